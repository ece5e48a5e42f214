package io.captier.drill.check.linear;

import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;

import java.util.Comparator;
import java.util.List;

/**
 * Checks one key's register history and, when it fails, shrinks it to a counter-example.
 *
 * @param verdict        what the search found
 * @param counterExample for {@link WglSearch.Verdict#NOT_LINEARIZABLE}: the recorded
 *                       operations of a small sub-history that cannot be linearized, in
 *                       the order they were invoked; empty otherwise
 * @param steps          how many search steps the verdict took
 */
public record RegisterCheck(WglSearch.Verdict verdict, List<Op> counterExample, long steps) {

    public static RegisterCheck of(List<RegisterOp> ops, Budget search, Budget shrink) {
        Budget.Meter meter = search.start();
        WglSearch.Verdict verdict = WglSearch.run(ops, meter);
        List<Op> counterExample = verdict == WglSearch.Verdict.NOT_LINEARIZABLE
                ? CounterExample.shrink(ops, shrink).stream().map(RegisterOp::source).toList()
                : List.of();
        return new RegisterCheck(verdict, counterExample, meter.steps());
    }

    /**
     * The operation no order of the others explains: of the counter-example's operations
     * that depend on the register's state (reads, 412s, compare-and-sets) and were answered,
     * the one answered last. The counter-example ends at the first instant the history could
     * not be explained, and that instant is this operation's answer. Null when there is no
     * counter-example.
     */
    public Op unexplained() {
        return counterExample.stream().filter(op -> op.isRead() || op.isCas() && op.outcome() != Outcome.UNKNOWN)
                .max(Comparator.comparingLong(Op::completeNanos).thenComparingLong(Op::invokeNanos)).orElse(null);
    }
}
