package io.captier.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's ratios, targets and text table, from the figures the run collected. A ratio is
 * service / raw store: throughput over throughput, p99 over p99, at the same concurrency.
 */
final class Report {

    /** service phase, its raw baseline. */
    static final List<String[]> PAIRS = List.of(
            new String[] {"available_read", "raw_redis_get"},
            new String[] {"available_write", "raw_pg_upsert"},
            new String[] {"consistent_read", "raw_pg_read"},
            new String[] {"consistent_write", "raw_pg_upsert"});

    private Report() {
    }

    /** Adds "ratios" and "targets" to the results. */
    @SuppressWarnings("unchecked")
    static void addRatios(Map<String, Object> results) {
        Map<String, Map<String, Object>> t = (Map<String, Map<String, Object>>) results.get("throughput");
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (String[] pair : PAIRS) {
            Map<String, Object> service = t.get(pair[0]);
            Map<String, Object> raw = t.get(pair[1]);
            if (service == null || raw == null) {
                continue;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("baseline", pair[1]);
            r.put("throughput_ratio", Benchmark.round(num(service, "throughput") / num(raw, "throughput")));
            r.put("p99_ratio", Benchmark.round(num(service, "p99_ms") / num(raw, "p99_ms")));
            ratios.put(pair[0], r);
        }
        results.put("ratios", ratios);

        Map<String, Object> targets = new LinkedHashMap<>();
        target(targets, "available read throughput >= 0.40 x raw Redis GET", ratio(ratios, "available_read", "throughput_ratio"), 0.40, true);
        target(targets, "consistent write throughput >= 0.70 x raw PostgreSQL upsert", ratio(ratios, "consistent_write", "throughput_ratio"), 0.70, true);
        target(targets, "available read p99 < 3 x raw Redis GET p99", ratio(ratios, "available_read", "p99_ratio"), 3.0, false);
        Map<String, Object> startup = (Map<String, Object>) results.get("startup");
        if (startup != null && startup.get("jvm25_aot") instanceof Map<?, ?> aot && aot.containsKey("first_read_ms_min")
                && startup.get("jvm17") instanceof Map<?, ?> jvm17) {
            double r = Benchmark.round(((Number) aot.get("first_read_ms_min")).doubleValue()
                    / ((Number) jvm17.get("first_read_ms_min")).doubleValue());
            startup.put("aot_over_jvm17", r);
            if (startup.get("jvm25") instanceof Map<?, ?> jvm25) {
                startup.put("aot_over_jvm25", Benchmark.round(((Number) aot.get("first_read_ms_min")).doubleValue()
                        / ((Number) jvm25.get("first_read_ms_min")).doubleValue()));
            }
            target(targets, "AOT-cache start-up <= 0.65 x plain JVM (JDK 17) start-up", r, 0.65, false);
            startup.put("aot_over_jvm17_cpu", Benchmark.round(((Number) aot.get("cpu_ms_to_first_read_min")).doubleValue()
                    / ((Number) jvm17.get("cpu_ms_to_first_read_min")).doubleValue()));
        }
        if (results.get("failover_redis_available") instanceof Map<?, ?> f) {
            double failed = ((Number) f.get("failed_requests")).doubleValue();
            targets.put("available: zero failed requests during a Redis master failover",
                    Map.of("value", failed, "met", failed == 0));
        }
        results.put("targets", targets);
    }

    private static void target(Map<String, Object> targets, String name, double value, double bound, boolean atLeast) {
        if (Double.isNaN(value)) {
            return;
        }
        boolean met = atLeast ? value >= bound : (name.contains("<=") ? value <= bound : value < bound);
        targets.put(name, Map.of("value", value, "met", met));
    }

    @SuppressWarnings("unchecked")
    private static double ratio(Map<String, Object> ratios, String phase, String which) {
        Object r = ratios.get(phase);
        return r == null ? Double.NaN : ((Number) ((Map<String, Object>) r).get(which)).doubleValue();
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> results) {
        StringBuilder sb = new StringBuilder();
        Map<String, Object> settings = (Map<String, Object>) results.get("settings");
        sb.append("captier benchmark: concurrency ").append(settings.get("concurrency")).append(", ")
                .append(settings.get("seconds_per_phase")).append(" s per phase, ")
                .append(((Map<String, Object>) results.get("machine")).get("cores")).append(" cores\n\n");
        sb.append("load average (1 min) at start ").append(results.get("load_average_at_start")).append(", at end ")
                .append(results.get("load_average_at_end")).append("\n\n");
        sb.append(String.format("%-18s %12s %9s %9s   %-15s %8s %8s %6s%n", "phase", "req/s", "p50 ms", "p99 ms",
                "vs", "tput x", "p99 x", "load"));
        Map<String, Map<String, Object>> t = (Map<String, Map<String, Object>>) results.get("throughput");
        Map<String, Map<String, Object>> ratios = (Map<String, Map<String, Object>>) results.get("ratios");
        for (Map.Entry<String, Map<String, Object>> e : t.entrySet()) {
            Map<String, Object> r = ratios.get(e.getKey());
            sb.append(String.format("%-18s %12.0f %9.2f %9.2f   %-15s %8s %8s %6s%n", e.getKey(), num(e.getValue(), "throughput"),
                    num(e.getValue(), "p50_ms"), num(e.getValue(), "p99_ms"),
                    r == null ? "" : r.get("baseline"), r == null ? "" : r.get("throughput_ratio"),
                    r == null ? "" : r.get("p99_ratio"), e.getValue().get("load_average")));
        }
        if (t.get("available_read") != null && t.get("available_read").get("sources") != null) {
            sb.append("available read sources (a sample of 200 reads after the phase): ").append(t.get("available_read").get("sources")).append('\n');
        }
        sb.append("RSS after load (MiB): ").append(results.get("rss_mb_after_load")).append("\n\n");

        Map<String, Object> startup = (Map<String, Object>) results.get("startup");
        if (startup != null) {
            sb.append(String.format("%-10s %14s %20s %18s %10s%n", "start-up", "ready ms (min)", "first read ms (min)",
                    "CPU ms (min)", "RSS MiB"));
            for (Map.Entry<String, Object> e : startup.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> m && m.containsKey("ready_ms_min")) {
                    sb.append(String.format("%-10s %14s %20s %18s %10s%n", e.getKey(), m.get("ready_ms_min"),
                            m.get("first_read_ms_min"), m.get("cpu_ms_to_first_read_min"), m.get("rss_mb_after_warmup")));
                } else if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof String) {
                    sb.append(String.format("%-10s %s%n", e.getKey(), e.getValue()));
                }
            }
            sb.append("first read, AOT / JDK 17: ").append(startup.get("aot_over_jvm17")).append(", AOT / JDK 25: ")
                    .append(startup.get("aot_over_jvm25")).append("; CPU to first read, AOT / JDK 17: ")
                    .append(startup.get("aot_over_jvm17_cpu")).append("\n\n");
        }
        for (String f : List.of("failover_redis_available", "failover_postgres_consistent")) {
            if (results.get(f) != null) {
                sb.append(f).append(": ").append(results.get(f)).append('\n');
            }
        }
        sb.append("\ntargets:\n");
        ((Map<String, Map<String, Object>>) results.get("targets")).forEach((name, v) -> sb.append(String.format(
                "  %-5s %-62s %s%n", Boolean.TRUE.equals(v.get("met")) ? "MET" : "MISSED", name, v.get("value"))));
        return sb.toString();
    }
}
