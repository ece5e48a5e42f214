package io.captier.bench;

import io.captier.cluster.app.Credentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service under wrk: a closed loop of {@code concurrency} keep-alive connections on a C event
 * loop, the same kind of generator as redis-benchmark and pgbench, so the ratios compare like with
 * like. (A Java generator on the same two cores measured its own cost: about 1 250 req/s on
 * {@code /health/live}, where wrk gets over 15 000.) Each phase first runs {@code warmup} seconds
 * unmeasured, so the service is JIT-compiled before it is timed.
 */
final class Wrk {

    /**
     * One phase's requests: GET or POST on {@code pathPrefix + random key}, or on a fixed path;
     * {@code bearer} says whether they carry the service's API key (a peer such as webdis gets none).
     */
    record Script(String name, String method, String pathPrefix, boolean randomKey, String body, boolean bearer) {

        static Script read(String name) {
            return new Script(name, "GET", "/read/bench-", true, null, true);
        }

        static Script write(String name) {
            return new Script(name, "POST", "/write/bench-", true, "v-wrk", true);
        }

        static Script get(String name, String path) {
            return new Script(name, "GET", path, false, null, true);
        }

        /** GET {@code pathPrefix + random key} without the Authorization header: for a peer that is not the service. */
        static Script anonymousRead(String name, String pathPrefix) {
            return new Script(name, "GET", pathPrefix, true, null, false);
        }

        /**
         * The Lua wrk runs: the API key on every request (when {@code bearer}), a key drawn from the
         * preloaded ones {@code 0..keys-1}.
         */
        String lua(int keys) {
            StringBuilder s = new StringBuilder();
            s.append("wrk.method = \"").append(method).append("\"\n");
            if (bearer) {
                s.append("wrk.headers[\"Authorization\"] = \"Bearer ").append(Credentials.READ_WRITE).append("\"\n");
            }
            if (body != null) {
                s.append("wrk.body = \"").append(body).append("\"\n");
                s.append("wrk.headers[\"Content-Type\"] = \"text/plain; charset=utf-8\"\n");
            }
            // Each wrk thread has its own Lua state: number them so their keys differ.
            s.append("local threads = 0\n");
            s.append("setup = function(thread) threads = threads + 1; thread:set(\"id\", threads) end\n");
            s.append("init = function(args) math.randomseed(os.time() * 31 + id) end\n");
            s.append("request = function()\n");
            s.append(randomKey
                    ? "  return wrk.format(nil, \"" + pathPrefix + "\" .. math.random(0, " + (keys - 1) + "))\n"
                    : "  return wrk.format(nil, \"" + pathPrefix + "\")\n");
            s.append("end\n");
            return s.toString();
        }
    }

    private final Path dir;
    private final int concurrency;
    private final double seconds;
    private final double warmup;
    private final int keys;

    Wrk(Path out, int concurrency, double seconds, double warmup, int keys) throws IOException {
        this.dir = Files.createDirectories(out.resolve("wrk"));
        this.concurrency = concurrency;
        this.seconds = seconds;
        this.warmup = warmup;
        this.keys = keys;
    }

    /**
     * Runs {@code script} against {@code baseUrl} (http://127.0.0.1:port): {@code warmup} seconds
     * unmeasured, then {@code seconds} measured; the Lua and the measured output are kept under
     * out/wrk/ by the script's name.
     *
     * @return the phase's figures ({@link #parse}) with the tool line and the concurrency
     * @throws IllegalStateException when wrk fails or prints no result
     */
    Map<String, Object> run(Script script, String baseUrl) throws IOException, InterruptedException {
        Path lua = Files.writeString(dir.resolve(script.name() + ".lua"), script.lua(keys));
        if (warmup > 0) {
            wrk(lua, baseUrl, warmup);
        }
        int secs = Math.max(1, (int) Math.round(seconds));
        String out = wrk(lua, baseUrl, secs);
        Files.writeString(dir.resolve(script.name() + ".txt"), out);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tool", "wrk -t" + threads() + " -c" + concurrency + " -d" + secs + "s --latency (" + script.method() + " "
                + script.pathPrefix() + (script.randomKey() ? "<0.." + (keys - 1) + ">" : "") + "), after "
                + warmup + " s unmeasured");
        m.put("concurrency", concurrency);
        m.putAll(parse(out));
        return m;
    }

    private int threads() {
        return Math.min(concurrency, Runtime.getRuntime().availableProcessors());
    }

    private String wrk(Path lua, String baseUrl, double secs) throws IOException, InterruptedException {
        List<String> cmd = List.of("wrk", "-t" + threads(), "-c" + concurrency, "-d" + Math.max(1, Math.round(secs)) + "s",
                "--latency", "--timeout", "10s", "-s", lua.toString(), baseUrl);
        return Command.run(cmd, Map.of());
    }

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m),");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern MAX = Pattern.compile("Latency\\s+\\S+\\s+\\S+\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /**
     * The figures in wrk's text output. Every answer but a 2xx is a failure here (the phases read
     * preloaded keys only), and so is every socket error; throughput counts successes only.
     */
    static Map<String, Object> parse(String out) {
        Matcher requests = REQUESTS.matcher(out);
        if (!requests.find()) {
            throw new IllegalStateException("no result in wrk's output:\n" + out);
        }
        long total = Long.parseLong(requests.group(1));
        double elapsed = millis(requests.group(2), requests.group(3)) / 1000.0;
        long failed = 0;
        Matcher non2xx = NON_2XX.matcher(out);
        if (non2xx.find()) {
            failed += Long.parseLong(non2xx.group(1));
        }
        Matcher errors = SOCKET_ERRORS.matcher(out);
        if (errors.find()) {
            for (int g = 1; g <= 4; g++) {
                failed += Long.parseLong(errors.group(g));
            }
        }
        Map<String, Double> percentiles = new LinkedHashMap<>();
        Matcher p = PERCENTILE.matcher(out);
        while (p.find()) {
            percentiles.put(p.group(1), millis(p.group(2), p.group(3)));
        }
        if (!percentiles.containsKey("50") || !percentiles.containsKey("99")) {
            throw new IllegalStateException("no latency distribution in wrk's output (--latency):\n" + out);
        }
        Matcher max = MAX.matcher(out);
        if (!max.find()) {
            throw new IllegalStateException("no latency line in wrk's output:\n" + out);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Benchmark.round(elapsed));
        m.put("requests", total);
        m.put("failed", Math.min(failed, total));
        m.put("throughput", Benchmark.round(Math.max(0, total - failed) / elapsed));
        m.put("p50_ms", Benchmark.round(percentiles.get("50")));
        m.put("p99_ms", Benchmark.round(percentiles.get("99")));
        m.put("max_ms", Benchmark.round(millis(max.group(1), max.group(2))));
        return m;
    }

    private static double millis(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }
}
