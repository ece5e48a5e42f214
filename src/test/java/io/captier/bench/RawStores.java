package io.captier.bench;

import io.captier.cluster.topology.Topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The stores without the service, at the service's concurrency: redis-benchmark (closed loop,
 * -c N, no pipelining) against the harness's Redis nodes, and pgbench (-c N, prepared statements,
 * a custom one-statement script) against its PostgreSQL primary, with the service role's password.
 */
final class RawStores {

    private static final String PGBENCH = "/usr/lib/postgresql/15/bin/pgbench";
    private static final String TABLE = "captier.bench_raw";

    private final Topology topology;
    private final Path dir;
    private final int concurrency;
    private final double seconds;
    private final Map<String, String> env;

    RawStores(Topology topology, Path out, int concurrency, double seconds) throws IOException {
        this.topology = topology;
        this.dir = Files.createDirectories(out.resolve("raw"));
        this.concurrency = concurrency;
        this.seconds = seconds;
        this.env = topology.storeEnv();
    }

    /** SET on the master or GET on a replica, -r over 1000 keys; requests sized to take a few seconds. */
    Map<String, Object> redisBenchmark(String test, Topology.Node node) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(node.port()),
                "-c", Integer.toString(concurrency), "-r", "1000", "-t", test.toLowerCase(), "--csv"));
        String password = env.getOrDefault("REDIS_PASSWORD", "");
        if (!password.isEmpty()) {
            cmd.addAll(List.of("-a", password));
        }
        // A short probe sizes the real run to about `seconds`.
        double rps = parseRedisCsv(Command.run(with(cmd, "-n", "20000"), Map.of())).get("rps");
        long requests = Math.max(20000, (long) (rps * seconds));
        long started = System.nanoTime();
        Map<String, Double> csv = parseRedisCsv(Command.run(with(cmd, "-n", Long.toString(requests)), Map.of()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tool", "redis-benchmark -c " + concurrency + " -t " + test.toLowerCase() + " -r 1000 on " + node.name());
        m.put("concurrency", concurrency);
        m.put("seconds", Benchmark.round((System.nanoTime() - started) / 1e9));
        m.put("requests", requests);
        m.put("throughput", csv.get("rps"));
        m.put("p50_ms", csv.get("p50_latency_ms"));
        m.put("p99_ms", csv.get("p99_latency_ms"));
        m.put("max_ms", csv.get("max_latency_ms"));
        return m;
    }

    private static List<String> with(List<String> cmd, String... more) {
        List<String> all = new ArrayList<>(cmd);
        all.addAll(Arrays.asList(more));
        return all;
    }

    /** redis-benchmark --csv: a header line of quoted names, then one line of quoted values. */
    static Map<String, Double> parseRedisCsv(String output) {
        String[] lines = output.strip().split("\n");
        String[] names = null;
        for (String line : lines) {
            String[] cells = line.replace("\"", "").split(",");
            if (cells[0].equals("test")) {
                names = cells;
            } else if (names != null && cells.length == names.length) {
                Map<String, Double> m = new LinkedHashMap<>();
                for (int i = 1; i < cells.length; i++) {
                    m.put(names[i], Double.parseDouble(cells[i]));
                }
                return m;
            }
        }
        throw new IllegalStateException("no CSV result from redis-benchmark:\n" + output);
    }

    /** A table shaped like the service's rows (key, value, version, time), owned by the service role. */
    void createTable(int keys) {
        topology.sql(topology.pgPrimary(), "CREATE TABLE " + TABLE + " (key text PRIMARY KEY, value bytea NOT NULL, "
                + "version bigint NOT NULL, updated_at timestamptz NOT NULL); "
                + "ALTER TABLE " + TABLE + " OWNER TO " + env.get("DATABASE_USER") + "; "
                + "INSERT INTO " + TABLE + " SELECT 'bench-' || i, 'v0'::bytea, 1, now() FROM generate_series(0, "
                + (keys - 1) + ") i");
    }

    /** pgbench -T seconds with one statement: "upsert" (INSERT ... ON CONFLICT DO UPDATE) or "read" (by key). */
    Map<String, Object> pgbench(String kind, int keys) throws IOException, InterruptedException {
        String statement = kind.equals("upsert")
                ? "INSERT INTO " + TABLE + " (key, value, version, updated_at) VALUES ('bench-' || :k, 'v'::bytea, 1, now()) "
                + "ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = " + TABLE + ".version + 1, "
                + "updated_at = now();"
                : "SELECT value, version FROM " + TABLE + " WHERE key = 'bench-' || :k;";
        Path script = Files.writeString(dir.resolve(kind + ".sql"),
                "\\set k random(0, " + (keys - 1) + ")\n" + statement + "\n");
        Path logs = Files.createDirectories(dir.resolve("pgbench-" + kind));
        try (Stream<Path> old = Files.list(logs)) {
            old.forEach(p -> p.toFile().delete());
        }
        Topology.Node primary = topology.pgPrimary();
        String url = env.get("DATABASE_URL");
        String database = url.replaceAll("^[^/]*//[^/]*/", "").replaceAll("\\?.*$", "");
        int secs = Math.max(1, (int) Math.round(seconds));
        String out = Command.run(List.of(PGBENCH, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()),
                "-U", env.get("DATABASE_USER"), "-n", "-M", "prepared", "-c", Integer.toString(concurrency),
                "-j", Integer.toString(Math.min(concurrency, Runtime.getRuntime().availableProcessors())),
                "-T", Integer.toString(secs), "-f", script.toString(), "-l", "--log-prefix", logs.resolve("tx").toString(),
                database), Map.of("PGPASSWORD", env.get("DATABASE_PASSWORD")));
        Matcher tps = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)").matcher(out);
        if (!tps.find()) {
            throw new IllegalStateException("no tps in pgbench's output:\n" + out);
        }
        long[] latencies = latenciesMicros(logs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tool", "pgbench -M prepared -c " + concurrency + " -T " + secs + " (" + kind + ") on " + primary.name());
        m.put("concurrency", concurrency);
        m.put("seconds", secs);
        m.put("requests", latencies.length);
        m.put("throughput", Double.parseDouble(tps.group(1)));
        m.put("p50_ms", Benchmark.round(percentile(latencies, 50)));
        m.put("p99_ms", Benchmark.round(percentile(latencies, 99)));
        m.put("max_ms", Benchmark.round(latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1e6));
        return m;
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }

    /** pgbench -l: one line per transaction, the third column its latency in µs; returned as sorted ns. */
    private static long[] latenciesMicros(Path logs) throws IOException {
        List<Long> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    String[] cols = line.trim().split("\\s+");
                    if (cols.length >= 3) {
                        all.add(Long.parseLong(cols[2]) * 1000);
                    }
                }
            }
        }
        return all.stream().mapToLong(Long::longValue).sorted().toArray();
    }
}
