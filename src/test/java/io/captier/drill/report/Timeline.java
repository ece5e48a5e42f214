package io.captier.drill.report;

import io.captier.drill.check.Latency;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A drill over time: per profile, per bucket of {@code bucketMs} (by when requests were
 * sent), the share answered OK, latency percentiles and the largest staleness reported.
 * Buckets without requests are left out rather than drawn as zero.
 *
 * @param originMs the first request's invoke time: bucket and chart times count from it
 */
public record Timeline(long originMs, long bucketMs, Map<String, List<Point>> byMode) {

    /**
     * @param startMs        the bucket's start, ms after {@code originMs}
     * @param okShare        OK outcomes / requests, 0..1
     * @param maxStalenessMs the largest staleness_ms of an OK read (0 when none)
     */
    public record Point(long startMs, int ops, double okShare, long p50Ms, long p99Ms, long maxStalenessMs) {
    }

    public static Timeline of(History history, long bucketMs) {
        long origin = history.startMs();
        Map<String, List<Point>> byMode = new TreeMap<>();
        history.ops().stream().collect(Collectors.groupingBy(op -> op.mode().wireName()))
                .forEach((mode, ops) -> byMode.put(mode, points(ops, origin, bucketMs)));
        return new Timeline(origin, bucketMs, byMode);
    }

    private static List<Point> points(List<Op> ops, long origin, long bucketMs) {
        Map<Long, List<Op>> buckets = ops.stream()
                .collect(Collectors.groupingBy(op -> (op.invokeMs() - origin) / bucketMs, TreeMap::new,
                        Collectors.toList()));
        List<Point> points = new ArrayList<>();
        buckets.forEach((index, bucket) -> {
            Latency latency = Latency.of(bucket.stream().map(Op::latencyMs).toList());
            long ok = bucket.stream().filter(op -> op.outcome() == Outcome.OK).count();
            long staleness = bucket.stream().filter(op -> op.isRead() && op.outcome() == Outcome.OK)
                    .mapToLong(Op::stalenessMs).max().orElse(0);
            points.add(new Point(index * bucketMs, bucket.size(), (double) ok / bucket.size(), latency.p50(),
                    latency.p99(), staleness));
        });
        return points;
    }

    /** How long the drill ran, ms from the origin to the last answer. */
    public static long spanMs(History history) {
        return Math.max(1, history.endMs() - history.startMs());
    }
}
