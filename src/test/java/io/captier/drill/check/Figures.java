package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.mode.Mode;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The numbers a drill report leads with.
 *
 * @param byMode                  per profile ("consistent", "available")
 * @param availabilityByInstance  available-profile requests per instance (see {@link AvailabilityChecker})
 * @param violationsByChecker     conclusive findings per checker (0 for a checker that ran clean)
 * @param inconclusive            findings no checker could decide
 */
public record Figures(int ops, Map<String, ModeFigures> byMode, Map<String, AvailabilityChecker.Tally>
        availabilityByInstance, Map<String, Long> violationsByChecker, long inconclusive) {

    /**
     * @param byStatus                HTTP status as a string, "0" for no answer
     * @param readsBySource           OK reads per source they were served from
     * @param writesByDurability      acknowledged writes per durability
     * @param maxReportedStalenessMs  the largest staleness_ms an OK read reported
     * @param retries                 attempts of a write or delete after its first (same
     *                                Idempotency-Key): what {@link IdempotencyChecker} has to judge
     * @param replayed                answers marked {@code Idempotent-Replayed: true}
     * @param compareAndSets          writes and deletes sent with a precondition (docs/architecture.md C5), by
     *                                result: "ok" (applied), "412" (condition false), "unknown"
     *                                (may or may not have applied), "failed" (any other refusal);
     *                                empty when none were sent
     */
    public record ModeFigures(int ops, Map<String, Long> byOutcome, Map<String, Long> byStatus,
                              Map<String, Long> readsBySource, Map<String, Long> writesByDurability, Latency latency,
                              long maxReportedStalenessMs, long retries, long replayed,
                              Map<String, Long> compareAndSets) {

        static ModeFigures of(List<Op> ops) {
            List<Op> okReads = ops.stream().filter(op -> op.isRead() && op.outcome() == Outcome.OK)
                    .toList();
            return new ModeFigures(ops.size(), count(ops, op -> op.outcome().name()),
                    count(ops, op -> String.valueOf(op.status())),
                    count(okReads, op -> String.valueOf(op.source())),
                    count(ops.stream().filter(op -> op.acknowledged() && op.durability() != null).toList(),
                            op -> op.durability().wireName()),
                    Latency.of(ops.stream().map(Op::latencyMs).toList()),
                    okReads.stream().mapToLong(Op::stalenessMs).max().orElse(0), retries(ops),
                    ops.stream().filter(Op::replayed).count(),
                    count(ops.stream().filter(Op::isCas).toList(), ModeFigures::casResult));
        }

        private static String casResult(Op op) {
            if (op.preconditionFailed()) {
                return "412";
            }
            return switch (op.outcome()) {
                case OK -> "ok";
                case UNKNOWN -> "unknown";
                default -> "failed";
            };
        }

        private static long retries(List<Op> ops) {
            List<String> keys = ops.stream().map(Op::idempotencyKey).filter(Objects::nonNull).toList();
            return keys.size() - keys.stream().distinct().count();
        }
    }

    public static Figures of(History history, List<String> checkersRun, List<Violation> violations) {
        Map<String, ModeFigures> byMode = new TreeMap<>();
        for (Mode mode : Mode.values()) {
            List<Op> ops = history.ops().stream().filter(op -> op.mode() == mode).toList();
            if (!ops.isEmpty()) {
                byMode.put(mode.wireName(), ModeFigures.of(ops));
            }
        }
        Map<String, Long> byChecker = new TreeMap<>();
        checkersRun.forEach(name -> byChecker.put(name, 0L));
        violations.stream().filter(Violation::conclusive).forEach(v -> byChecker.merge(v.checker(), 1L, Long::sum));
        return new Figures(history.ops().size(), byMode, AvailabilityChecker.tally(history), byChecker,
                violations.stream().filter(v -> !v.conclusive()).count());
    }

    private static Map<String, Long> count(List<Op> ops, Function<Op, String> by) {
        return ops.stream().collect(Collectors.groupingBy(by, TreeMap::new, Collectors.counting()));
    }
}
