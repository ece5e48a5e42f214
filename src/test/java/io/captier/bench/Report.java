package io.captier.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's ratios, targets, exit decision and text table, from the figures the run collected.
 * Phases are keyed {@code name@concurrency} ({@code available_read@8}, {@code raw_redis_get@64}). A
 * ratio is service / baseline within one run at the same concurrency: throughput over throughput,
 * p99 over p99. The baselines are webdis (the best HTTP-to-Redis peer) and the raw stores.
 */
final class Report {

    /** The benchmark's exit status when a target was missed (and bench.reportOnly is not set). */
    static final int EXIT_MISSED = 3;

    /** A service phase, the kind of its baseline ("webdis" or "raw"), and the baseline phase. */
    record Pair(String phase, String kind, String baseline) {
    }

    static final List<Pair> PAIRS = List.of(
            new Pair("available_read", "webdis", "webdis_hgetall"),
            new Pair("available_read", "raw", "raw_redis_get"),
            new Pair("available_write", "raw", "raw_pg_upsert"),
            new Pair("consistent_read", "raw", "raw_pg_read"),
            new Pair("consistent_write", "raw", "raw_pg_upsert"));

    /**
     * A bound on one ratio of a {@link Pair} ({@code throughput_ratio} or {@code p99_ratio}): met when
     * the ratio, rounded to 0.001 as results.txt shows it, is at least ({@code atLeast}) or at most the
     * bound. (What is judged is what is shown; 0.0005 is far below a run's noise.)
     */
    record Target(String label, Pair pair, String ratio, double bound, boolean atLeast) {
    }

    static final List<Target> TARGETS = List.of(
            new Target("available read throughput >= 1.00 x webdis HGETALL", PAIRS.get(0), "throughput_ratio", 1.0, true),
            new Target("available read p99 <= webdis HGETALL p99", PAIRS.get(0), "p99_ratio", 1.0, false),
            new Target("available read throughput >= 0.40 x raw Redis GET", PAIRS.get(1), "throughput_ratio", 0.40, true),
            new Target("consistent read throughput >= 0.50 x raw PostgreSQL read", PAIRS.get(3), "throughput_ratio", 0.50, true),
            new Target("consistent write throughput >= 0.70 x raw PostgreSQL upsert", PAIRS.get(4), "throughput_ratio", 0.70,
                    true));

    private Report() {
    }

    /** {@code phase@concurrency}, the key of one phase's figures in "throughput". */
    static String key(String phase, int concurrency) {
        return phase + "@" + concurrency;
    }

    /** The concurrencies the "throughput" keys name, in the order they were measured. */
    static List<Integer> concurrencies(Map<String, ?> throughput) {
        Set<Integer> seen = new LinkedHashSet<>();
        for (String k : throughput.keySet()) {
            int at = k.lastIndexOf('@');
            if (at > 0) {
                seen.add(Integer.parseInt(k.substring(at + 1)));
            }
        }
        return new ArrayList<>(seen);
    }

    /**
     * Adds "ratios" (service phase@c -> baseline kind -> baseline, throughput_ratio, p99_ratio, rounded
     * to 0.001) and "targets" (name -> value, met) to {@code results}, whose "throughput" holds the
     * phases by {@code name@concurrency}. Each ratio target is judged at every concurrency measured; a
     * phase or baseline missing at one counts as missed ("not measured"). Start-up and failover targets
     * come from "startup" and "failover_redis_available" when present.
     * A baseline that measured 0 (every request failed) makes its targets missed too.
     */
    @SuppressWarnings("unchecked")
    static void addRatios(Map<String, Object> results) {
        Map<String, Map<String, Object>> t = (Map<String, Map<String, Object>>) results.get("throughput");
        Map<String, Object> ratios = new LinkedHashMap<>();
        Map<String, Object> targets = new LinkedHashMap<>();
        for (int c : concurrencies(t)) {
            for (Pair pair : PAIRS) {
                Map<String, Object> service = t.get(key(pair.phase(), c));
                Map<String, Object> base = t.get(key(pair.baseline(), c));
                if (service == null || base == null) {
                    continue;
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("baseline", key(pair.baseline(), c));
                r.put("throughput_ratio", Benchmark.round(exact(t, pair, "throughput_ratio", c)));
                r.put("p99_ratio", Benchmark.round(exact(t, pair, "p99_ratio", c)));
                ((Map<String, Object>) ratios.computeIfAbsent(key(pair.phase(), c), k -> new LinkedHashMap<>()))
                        .put(pair.kind(), r);
            }
            for (Target target : TARGETS) {
                double exact = exact(t, target.pair(), target.ratio(), c);
                // A phase missing, or a baseline with no successful request (a ratio over 0): nothing to judge by.
                if (!Double.isFinite(exact)) {
                    put(targets, target.label() + " @" + c, "not measured", false);
                    continue;
                }
                double v = Benchmark.round(exact);
                put(targets, target.label() + " @" + c, v, target.atLeast() ? v >= target.bound() : v <= target.bound());
            }
        }
        results.put("ratios", ratios);
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
            put(targets, "AOT-cache start-up <= 0.65 x plain JVM (JDK 17) start-up", r, r <= 0.65);
            startup.put("aot_over_jvm17_cpu", Benchmark.round(((Number) aot.get("cpu_ms_to_first_read_min")).doubleValue()
                    / ((Number) jvm17.get("cpu_ms_to_first_read_min")).doubleValue()));
        }
        if (results.get("failover_redis_available") instanceof Map<?, ?> f) {
            double failed = ((Number) f.get("failed_requests")).doubleValue();
            put(targets, "available: zero failed requests during a Redis master failover", failed, failed == 0);
        }
        results.put("targets", targets);
    }

    private static void put(Map<String, Object> targets, String name, Object value, boolean met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", value);
        m.put("met", met);
        targets.put(name, m);
    }

    /** service / baseline at concurrency {@code c}, unrounded: NaN when either phase is missing. */
    private static double exact(Map<String, Map<String, Object>> t, Pair pair, String ratio, int c) {
        Map<String, Object> service = t.get(key(pair.phase(), c));
        Map<String, Object> base = t.get(key(pair.baseline(), c));
        if (service == null || base == null) {
            return Double.NaN;
        }
        String field = ratio.equals("p99_ratio") ? "p99_ms" : "throughput";
        return num(service, field) / num(base, field);
    }

    /**
     * The names of the targets in {@code results} (after {@link #addRatios}) that were missed, in
     * order; empty when all were met or none was judged.
     */
    @SuppressWarnings("unchecked")
    static List<String> missed(Map<String, Object> results) {
        Map<String, Map<String, Object>> targets = (Map<String, Map<String, Object>>) results.getOrDefault("targets", Map.of());
        List<String> missed = new ArrayList<>();
        targets.forEach((name, v) -> {
            if (!Boolean.TRUE.equals(v.get("met"))) {
                missed.add(name);
            }
        });
        return missed;
    }

    /**
     * The benchmark's exit status: {@link #EXIT_MISSED} when a target was missed, 0 when none was or
     * when {@code reportOnly} (bench.reportOnly: report, never fail).
     */
    static int exitStatus(Map<String, Object> results, boolean reportOnly) {
        return reportOnly || missed(results).isEmpty() ? 0 : EXIT_MISSED;
    }

    private static String blank(Object v) {
        return v == null ? "" : v.toString();
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    private static final String ROW = "%-18s %10s %8s %8s   %10s %10s   %-15s %8s %8s %6s%n";

    /**
     * results.txt: settings, then the phases grouped by concurrency, each service phase with captier /
     * webdis next to captier / raw store (throughput x, p99 x), then start-up, failover and the targets
     * (MET or MISSED). Takes the results after {@link #addRatios}.
     */
    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> results) {
        StringBuilder sb = new StringBuilder();
        Map<String, Object> settings = (Map<String, Object>) results.getOrDefault("settings", Map.of());
        Map<String, Object> machine = (Map<String, Object>) results.getOrDefault("machine", Map.of());
        sb.append("captier benchmark: concurrencies ").append(settings.get("concurrencies")).append(", ")
                .append(settings.get("seconds_per_phase")).append(" s per phase (after ")
                .append(settings.get("warmup_seconds")).append(" s unmeasured for the service), ")
                .append(machine.get("cores")).append(" cores\n\n");
        sb.append("load average (1 min) at start ").append(results.get("load_average_at_start")).append(", at end ")
                .append(results.get("load_average_at_end")).append("\n");
        Map<String, Map<String, Object>> t = (Map<String, Map<String, Object>>) results.get("throughput");
        Map<String, Map<String, Map<String, Object>>> ratios =
                (Map<String, Map<String, Map<String, Object>>>) results.getOrDefault("ratios", Map.of());
        for (int c : concurrencies(t)) {
            sb.append("\nat ").append(c).append(" connections\n");
            sb.append(String.format("%-50s%21s   %s%n", "", "captier / webdis", "captier / raw store"));
            sb.append(String.format(ROW, "phase", "req/s", "p50 ms", "p99 ms", "tput x", "p99 x", "baseline",
                    "tput x", "p99 x", "load"));
            String suffix = "@" + c;
            for (Map.Entry<String, Map<String, Object>> e : t.entrySet()) {
                if (!e.getKey().endsWith(suffix)) {
                    continue;
                }
                Map<String, Map<String, Object>> r = ratios.getOrDefault(e.getKey(), Map.of());
                Map<String, Object> webdis = r.getOrDefault("webdis", Map.of());
                Map<String, Object> raw = r.getOrDefault("raw", Map.of());
                Map<String, Object> f = e.getValue();
                sb.append(String.format(ROW, e.getKey().substring(0, e.getKey().length() - suffix.length()),
                        String.format("%.0f", num(f, "throughput")), String.format("%.2f", num(f, "p50_ms")),
                        String.format("%.2f", num(f, "p99_ms")), blank(webdis.get("throughput_ratio")),
                        blank(webdis.get("p99_ratio")), blank(raw.get("baseline")).replace(suffix, ""),
                        blank(raw.get("throughput_ratio")), blank(raw.get("p99_ratio")), blank(f.get("load_average"))));
            }
            Map<String, Object> read = t.get(key("available_read", c));
            if (read != null && read.get("sources") != null) {
                sb.append("available read sources (a sample of 200 reads after the phase): ").append(read.get("sources"))
                        .append('\n');
            }
        }
        sb.append("\nRSS after load (MiB): ").append(results.get("rss_mb_after_load")).append("\n\n");

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
                "  %-6s %-70s %s%n", Boolean.TRUE.equals(v.get("met")) ? "MET" : "MISSED", name, v.get("value"))));
        return sb.toString();
    }
}
