package io.captier.bench;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Start-up to the first 200: from launching {@code java -jar quarkus-run.jar} (consistent profile,
 * the topology up and healthy) to {@code /health/ready} answering 200, and then to the first read of
 * a real key answering 200. Then a few seconds of reads, and the process's VmRSS.
 */
final class Startups {

    /** A JVM set-up: the java binary, the quarkus-app directory (null: the build's own) and "aot" to use its app.aot. */
    record Setup(String java, String appDir, String flavour) {
    }

    private final Stack stack;
    private final int runs;
    private final String jvmArgs;
    /** -Dcaptier.app.dir as given to the run (null: the project's target/quarkus-app). */
    private final String buildAppDir = System.getProperty("captier.app.dir");

    Startups(Stack stack, int runs, String jvmArgs) {
        this.stack = stack;
        this.runs = runs;
        this.jvmArgs = jvmArgs;
    }

    Map<String, Object> measure(Map<String, Setup> setups) throws Exception {
        Map<String, Object> all = new LinkedHashMap<>();
        // Interleaved (a, b, c, a, b, c): a slow moment of the shared machine does not hit one set-up only.
        Map<String, List<Map<String, Object>>> samples = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(List.of("jvm17", "jvm25", "jvm25_aot"));
        order.retainAll(setups.keySet());
        for (int run = 0; run < runs; run++) {
            for (String name : order) {
                Setup setup = setups.get(name);
                if ("aot".equals(setup.flavour())
                        && (setup.appDir() == null || !Files.exists(Path.of(setup.appDir(), "app.aot")))) {
                    all.put(name, Map.of("skipped", "no app.aot in " + setup.appDir() + " (scripts/bench builds it)"));
                    continue;
                }
                Benchmark.step("start-up " + name + " run " + (run + 1));
                try {
                    samples.computeIfAbsent(name, k -> new ArrayList<>()).add(once(name + "-" + run, setup));
                } catch (RuntimeException e) {
                    System.out.println("    " + name + " failed: " + e.getMessage());
                    all.put(name + "_error", String.valueOf(e.getMessage()));
                }
            }
        }
        samples.forEach((name, list) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runs", list);
            m.put("ready_ms_min", list.stream().mapToLong(s -> (Long) s.get("ready_ms")).min().orElse(-1));
            m.put("first_read_ms_min", list.stream().mapToLong(s -> (Long) s.get("first_read_ms")).min().orElse(-1));
            m.put("first_read_ms_mean", Math.round(list.stream().mapToLong(s -> (Long) s.get("first_read_ms")).average().orElse(-1)));
            m.put("cpu_ms_to_first_read_min", list.stream().mapToLong(s -> (Long) s.get("cpu_ms_to_first_read")).min().orElse(-1));
            m.put("rss_mb_after_warmup", list.stream().mapToDouble(s -> (Double) s.get("rss_mb")).max().orElse(-1));
            all.put(name, m);
        });
        return all;
    }

    /** User + system CPU time the process used so far (/proc/PID/stat, clock ticks of 10 ms). On a
     *  shared machine it moves far less than wall time with other work. */
    static long cpuMs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private Map<String, Object> once(String name, Setup setup) throws Exception {
        String args = jvmArgs;
        if ("aot".equals(setup.flavour())) {
            // AOTMode=on: the JVM refuses to start rather than silently run without the cache.
            args += " -XX:AOTMode=on -XX:AOTCache=" + Path.of(setup.appDir(), "app.aot").toAbsolutePath();
        }
        String benchArgs = System.getProperty("captier.app.jvmArgs");
        System.setProperty("captier.app.java", setup.java());
        System.setProperty("captier.app.jvmArgs", args);
        String dir = setup.appDir() != null ? Path.of(setup.appDir()).toAbsolutePath().toString() : buildAppDir;
        if (dir != null) {
            System.setProperty("captier.app.dir", dir);
        } else {
            System.clearProperty("captier.app.dir");
        }
        Map<String, String> env = stack.env();
        long t0 = System.nanoTime();
        try (AppInstance app = AppInstance.start("startup-" + name, "consistent", env)) {
            Benchmark.Http http = new Benchmark.Http(app.baseUrl());
            while (http.get("/health/ready") != 200) {
                Thread.sleep(10);
            }
            long ready = (System.nanoTime() - t0) / 1_000_000;
            while (http.read("bench-1").statusCode() != 200) {
                Thread.sleep(10);
            }
            long firstRead = (System.nanoTime() - t0) / 1_000_000;
            long cpuMs = cpuMs(app.pid());
            LoadGen.run("warm-up " + name, 4, 3, w -> Benchmark.reads(app, new java.util.concurrent.ConcurrentHashMap<>()), null);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ready_ms", ready);
            m.put("first_read_ms", firstRead);
            m.put("cpu_ms_to_first_read", cpuMs);
            m.put("rss_mb", Benchmark.rssMb(app.pid()));
            System.out.printf("    %s: ready %d ms, first read %d ms (CPU %d ms), RSS %.0f MiB%n", name, ready, firstRead,
                    cpuMs, (Double) m.get("rss_mb"));
            m.put("java", setup.java());
            m.put("jvm_args", args);
            return m;
        } finally {
            System.clearProperty("captier.app.java");
            if (benchArgs == null) {
                System.clearProperty("captier.app.jvmArgs");
            } else {
                System.setProperty("captier.app.jvmArgs", benchArgs);
            }
        }
    }
}
