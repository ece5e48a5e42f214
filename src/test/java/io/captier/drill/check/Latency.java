package io.captier.drill.check;

import java.util.Collection;

/** Nearest-rank percentiles of request latencies (ms). All 0 for no requests. */
public record Latency(int count, long p50, long p95, long p99, long max) {

    public static Latency of(Collection<Long> millis) {
        long[] sorted = millis.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Latency(sorted.length, percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    /** The smallest value at or above which {@code p} percent of the sorted values lie. */
    public static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }
}
