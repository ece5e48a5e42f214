package io.captier.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.Stack;
import io.captier.cluster.os.Binaries;
import io.captier.cluster.topology.Topology;
import io.captier.store.redis.RedisKeys;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One run on this machine, on a topology of its own: the raw stores (redis-benchmark, pgbench), webdis
 * (a C HTTP gateway to Redis, the best peer of the available read) and the service at the same
 * concurrencies, start-up to the first 200 for three JVM set-ups, RSS after warm-up, and both profiles
 * under a failover. Writes target/bench/results.json and results.txt, then exits 0 when every target
 * was met and {@value Report#EXIT_MISSED} when one was missed (each printed). Run by scripts/bench
 * (which builds the JDK 25 AOT-cache package first).
 *
 * <p>System properties: bench.concurrencies ("8,64": the raw, webdis and service phases run at each,
 * keyed {@code phase@concurrency}; the preload and the failovers use the first; a lone
 * bench.concurrency=N is read as bench.concurrencies=N), bench.seconds (10, per measured phase),
 * bench.warmup (30: unmeasured seconds of the same load before each service phase; on two busy cores
 * the JIT takes about that long to settle), bench.keys (1000), bench.startups (3 per JVM set-up),
 * bench.reportOnly (false; true: report the targets but exit 0 even when one is missed, e.g.
 * {@code scripts/bench -Dbench.reportOnly=true}), bench.java17, bench.java25, bench.aot.dir (a
 * quarkus-app directory holding app.aot), bench.out (target/bench).
 */
public final class Benchmark {

    private static final List<Integer> CONCURRENCIES = Arrays.stream(System.getProperty("bench.concurrencies",
            System.getProperty("bench.concurrency", "8,64")).split(",")).map(String::trim).map(Integer::valueOf).toList();
    /** The preload's and the failovers' concurrency. */
    private static final int CONCURRENCY = CONCURRENCIES.get(0);
    private static final double SECONDS = Double.parseDouble(System.getProperty("bench.seconds", "10"));
    private static final double WARMUP = Double.parseDouble(System.getProperty("bench.warmup", "30"));
    /** webdis is C, with no JIT to warm: a couple of seconds settle its connections and the replica's caches. */
    private static final double WEBDIS_WARMUP = Math.min(WARMUP, 2);
    private static final boolean REPORT_ONLY = Boolean.getBoolean("bench.reportOnly");
    /** async-profiler's libasyncProfiler.so: when set, the available read is profiled once more per concurrency. */
    private static final String PROFILER = System.getProperty("bench.profiler");
    private static final int KEYS = Integer.getInteger("bench.keys", 1000);
    private static final int STARTUPS = Integer.getInteger("bench.startups", 3);
    private static final String JAVA17 = System.getProperty("bench.java17", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    private static final String JAVA25 = System.getProperty("bench.java25", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    private static final String JVM_ARGS = "-Xmx256m -XX:+UseSerialGC";

    private final Map<String, Object> results = new LinkedHashMap<>();
    private final Map<String, Object> throughput = new LinkedHashMap<>();
    private final Stack stack;
    private final Topology topology;

    private Benchmark(Stack stack) {
        this.stack = stack;
        this.topology = stack.topology;
    }

    /**
     * Runs the benchmark, writes the results and exits: 0 when every target was met or with
     * bench.reportOnly=true, {@value Report#EXIT_MISSED} when one was missed. Throws (the JVM then
     * exits 1, without results files) when a phase fails.
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Files.createDirectories(out);
        // wrk, redis-benchmark and webdis, installed by scripts/install-deps when missing: never a silent skip.
        Binaries.requireBenchTools();
        long began = System.nanoTime();
        Map<String, Object> results;
        try (Stack stack = Stack.start()) {
            Benchmark bench = new Benchmark(stack);
            bench.run(out);
            results = bench.results;
        }
        results.put("total_seconds", Math.round((System.nanoTime() - began) / 1e9));
        Report.addRatios(results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("results.json").toFile(), results);
        String table = Report.table(results);
        Files.writeString(out.resolve("results.txt"), table);
        System.out.println(table);
        System.out.println("written: " + out.resolve("results.json") + ", " + out.resolve("results.txt"));
        List<String> missed = Report.missed(results);
        missed.forEach(name -> System.out.println("MISSED: " + name));
        int status = Report.exitStatus(results, REPORT_ONLY);
        if (!missed.isEmpty()) {
            System.out.println(missed.size() + " target(s) missed; " + (REPORT_ONLY
                    ? "bench.reportOnly=true: exit 0" : "exit " + status + " (-Dbench.reportOnly=true only reports)"));
        }
        System.exit(status);
    }

    private void run(Path out) throws Exception {
        results.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version")));
        results.put("settings", Map.of("concurrencies", CONCURRENCIES, "seconds_per_phase", SECONDS,
                "warmup_seconds", WARMUP, "webdis_warmup_seconds", WEBDIS_WARMUP, "keys", KEYS, "app_jvm_args", JVM_ARGS));
        results.put("throughput", throughput);
        results.put("load_average_at_start", loadAverage());

        // Full JIT, unlike the harness's default (AppInstance.JVM_ARGS): speed is what is measured here.
        System.setProperty("captier.app.jvmArgs", JVM_ARGS);
        AppInstance cp = stack.instance("bench-consistent", "consistent");
        AppInstance ap = stack.instance("bench-available", "available");
        step("preloading " + KEYS + " keys");
        preload(ap);
        new RawStores(topology, out, CONCURRENCY, SECONDS).createTable(KEYS);

        // raw GET and webdis read the same replica, so the two baselines of the available read agree.
        Topology.Node replica = topology.redisReplicas().get(0);
        step("webdis in front of " + replica.name());
        try (Webdis webdis = Webdis.start(replica, topology.storeEnv().get("REDIS_PASSWORD"))) {
            requirePreloaded(webdis);
            for (int c : CONCURRENCIES) {
                rawPhases(out, c, replica, webdis);
                servicePhases(out, c, ap, cp, c == CONCURRENCY);
            }
        }
        results.put("rss_mb_after_load", Map.of("consistent", rssMb(cp.pid()), "available", rssMb(ap.pid())));

        step("start-up to the first 200");
        results.put("startup", new Startups(stack, STARTUPS, JVM_ARGS).measure(Map.of(
                "jvm17", new Startups.Setup(JAVA17, null, ""),
                "jvm25", new Startups.Setup(JAVA25, null, ""),
                "jvm25_aot", new Startups.Setup(JAVA25, System.getProperty("bench.aot.dir"), "aot"))));

        step("failover: kill the Redis master under available load");
        Failover failover = new Failover(topology, CONCURRENCY);
        results.put("failover_redis_available", failover.redisMaster(ap));
        step("failover: kill the PostgreSQL primary under consistent load, promote the standby");
        results.put("failover_postgres_consistent", failover.postgresPrimary(cp));
        results.put("load_average_at_end", loadAverage());
    }

    /** redis-benchmark SET (master) and GET ({@code replica}), pgbench upsert and read, webdis HGETALL: at {@code c}. */
    private void rawPhases(Path out, int c, Topology.Node replica, Webdis webdis) throws Exception {
        step("raw Redis (redis-benchmark) at " + c);
        RawStores raw = new RawStores(topology, out, c, SECONDS);
        record(Report.key("raw_redis_set", c), raw.redisBenchmark("SET", topology.redisMaster()));
        record(Report.key("raw_redis_get", c), raw.redisBenchmark("GET", replica));
        step("raw PostgreSQL (pgbench) at " + c);
        record(Report.key("raw_pg_upsert", c), raw.pgbench("upsert", KEYS));
        record(Report.key("raw_pg_read", c), raw.pgbench("read", KEYS));
        step("webdis: HGETALL of an entry's hash at " + c);
        Wrk peer = new Wrk(out, c, SECONDS, WEBDIS_WARMUP, KEYS);
        Map<String, Object> hgetall = peer.run(Wrk.Script.anonymousRead(Report.key("webdis_hgetall", c),
                "/HGETALL/" + RedisKeys.entry("bench-")), webdis.baseUrl());
        hgetall.put("via", "webdis -> " + webdis.redis().name());
        record(Report.key("webdis_hgetall", c), hgetall);
    }

    /** The service's phases at {@code c}; /health/live (not a target) only when {@code withLive}. */
    private void servicePhases(Path out, int c, AppInstance ap, AppInstance cp, boolean withLive) throws Exception {
        Wrk wrk = new Wrk(out, c, SECONDS, WARMUP, KEYS);
        step("service: available read at " + c);
        Map<String, Object> availableRead = wrk.run(Wrk.Script.read(Report.key("available_read", c)), ap.baseUrl());
        availableRead.put("sources", sources(ap));
        record(Report.key("available_read", c), availableRead);
        if (PROFILER != null) {
            profile(out, c, ap);
        }
        if (withLive) {
            // Not a target: the cheapest answer the same JVM gives (no auth, no store), the HTTP stack's
            // ceiling on this machine at this moment, to tell our code's cost from the machine's.
            step("service: /health/live (no store, the HTTP floor) at " + c);
            record(Report.key("available_live", c), wrk.run(Wrk.Script.get(Report.key("available_live", c), "/health/live"),
                    ap.baseUrl()));
        }
        step("service: available write at " + c);
        record(Report.key("available_write", c), wrk.run(Wrk.Script.write(Report.key("available_write", c)), ap.baseUrl()));
        step("service: consistent read at " + c);
        record(Report.key("consistent_read", c), wrk.run(Wrk.Script.read(Report.key("consistent_read", c)), cp.baseUrl()));
        step("service: consistent write at " + c);
        record(Report.key("consistent_write", c), wrk.run(Wrk.Script.write(Report.key("consistent_write", c)),
                cp.baseUrl()));
    }

    /**
     * Where the available read's time goes: async-profiler (its library at {@code bench.profiler})
     * attached to the available instance through jcmd for one more, unmeasured, read phase;
     * CPU samples of every thread, written as collapsed stacks (one line per stack and its
     * count) to {@code profile-available_read@c.collapsed}. Not a figure of the run.
     */
    private static void profile(Path out, int c, AppInstance ap) throws Exception {
        step("profile: available read at " + c + " under async-profiler");
        Path file = out.toAbsolutePath().resolve("profile-" + Report.key("available_read", c) + ".collapsed");
        // jcmd splits its line again: an option string with commas must be quoted to stay one argument.
        ap.jcmd("JVMTI.agent_load", PROFILER, "\"start,event=cpu,interval=1ms\"");
        try {
            new Wrk(out.resolve("profiled"), c, SECONDS, 0, KEYS).run(Wrk.Script.read(Report.key("available_read", c)),
                    ap.baseUrl());
        } finally {
            ap.jcmd("JVMTI.agent_load", PROFILER, "\"stop,file=" + file + ",collapsed\"");
        }
    }

    /**
     * A preloaded entry read through webdis must come back non-empty: otherwise its phase would time
     * empty answers (wrong replica, wrong password, a key layout that changed) and flatter the peer.
     */
    private static void requirePreloaded(Webdis webdis) throws IOException, InterruptedException {
        String path = "/HGETALL/" + RedisKeys.entry("bench-0");
        String body = webdis.get(path);
        if (!body.replaceAll("\\s", "").contains("\"HGETALL\":{\"")) {
            throw new IllegalStateException("webdis GET " + path + " on " + webdis.redis().name()
                    + " found no preloaded entry: " + body);
        }
    }

    private void record(String phase, Map<String, Object> figures) {
        figures = new LinkedHashMap<>(figures);
        figures.put("load_average", loadAverage());
        throughput.put(phase, figures);
        System.out.printf("    %-22s %10.0f req/s  p50 %7.2f ms  p99 %7.2f ms%n", phase,
                ((Number) figures.get("throughput")).doubleValue(), ((Number) figures.get("p50_ms")).doubleValue(),
                ((Number) figures.get("p99_ms")).doubleValue());
    }

    static void step(String what) {
        System.out.printf("[bench %tT] %s (load average %s)%n", System.currentTimeMillis(), what, loadAverage());
    }

    /** The 1-minute load average: other work on a shared machine shows here. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private void preload(AppInstance ap) {
        LoadGen.Result r = LoadGen.run("preload", CONCURRENCY, 600, w -> {
            Http http = new Http(ap.baseUrl());
            return seq -> {
                long key = w + seq * CONCURRENCY;
                if (key >= KEYS) {
                    throw new InterruptedException("done");
                }
                return http.write("bench-" + key, "v0");
            };
        }, null);
        if (r.failed() > 0) {
            throw new IllegalStateException("preload failed: " + r.statuses());
        }
    }

    /** Where available reads were served from: wrk counts no headers, so a sample of 200 reads after the phase. */
    private static Map<String, Long> sources(AppInstance app) {
        Map<String, Long> sources = new ConcurrentHashMap<>();
        LoadGen.Op read = reads(app, sources);
        for (int i = 0; i < 200; i++) {
            try {
                read.call(i);
            } catch (Exception e) {
                sources.merge("error " + e.getClass().getSimpleName(), 1L, Long::sum);
            }
        }
        return new java.util.TreeMap<>(sources);
    }

    static LoadGen.Op reads(AppInstance app, Map<String, Long> sources) {
        Http http = new Http(app.baseUrl());
        return seq -> {
            HttpResponse<Void> r = http.read("bench-" + ThreadLocalRandom.current().nextInt(KEYS));
            sources.merge(r.headers().firstValue("X-Served-By").orElse("status " + r.statusCode()), 1L, Long::sum);
            return r.statusCode();
        };
    }

    /** Half reads, half writes: the failover phases. */
    static LoadGen.Op mixed(AppInstance app) {
        Http http = new Http(app.baseUrl());
        return seq -> {
            String key = "bench-" + ThreadLocalRandom.current().nextInt(KEYS);
            return seq % 2 == 0 ? http.read(key).statusCode() : http.write(key, "f" + seq);
        };
    }

    /** VmRSS of a process in MiB, from /proc. */
    static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** One worker's HTTP/1.1 connection to one instance, as a plain client program would hold it. */
    static final class Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        private final String base;

        Http(String base) {
            this.base = base;
        }

        HttpResponse<Void> read(String key) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(URI.create(base + "/read/" + key)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + Credentials.READ_WRITE).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
        }

        int write(String key, String value) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(URI.create(base + "/write/" + key)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + Credentials.READ_WRITE)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(value)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        int get(String path) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + Credentials.READ_WRITE).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }
}
