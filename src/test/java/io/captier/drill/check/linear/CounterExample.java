package io.captier.drill.check.linear;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Shrinks a register history that is not linearizable to a few operations that still are
 * not: what a person needs to see to believe the verdict.
 *
 * <p>First the earliest failing cut ({@link RegisterHistory#cutAt}): everything after the
 * read that first cannot be explained goes. Then operations are dropped, in halves, then
 * quarters, down to one at a time, as long as what is left still fails. A write is only
 * dropped when no remaining read returned its value (for a delete: no remaining read
 * returned absent). That rule keeps the shrinking honest: any linearization of the bigger
 * history, restricted to what is left, still explains every read left (the last write before
 * each of them is still there), so "what is left cannot be linearized" implies the whole
 * history cannot. Dropping the write a read saw would instead invent a new failure.
 */
public final class CounterExample {

    private CounterExample() {
    }

    /** {@code failing} must be known not to be linearizable; the result is a sub-history that is not either. */
    public static List<RegisterOp> shrink(List<RegisterOp> failing, Budget budget) {
        Budget.Meter overall = budget.start();
        List<RegisterOp> smallest = new ArrayList<>(firstFailingCut(failing, budget, overall));
        smallest.sort(Comparator.comparingLong(RegisterOp::call));
        for (int chunk = Math.max(1, smallest.size() / 2); !overall.expired(); chunk = Math.max(1, chunk / 2)) {
            boolean dropped = false;
            for (int from = 0; from < smallest.size() && !overall.expired(); ) {
                List<RegisterOp> without = without(smallest, from, Math.min(smallest.size(), from + chunk));
                if (without != null && fails(without, budget, overall)) {
                    smallest = without;
                    dropped = true;
                } else {
                    from += chunk;
                }
            }
            if (chunk == 1 && !dropped) {
                break;
            }
        }
        return smallest;
    }

    private static List<RegisterOp> firstFailingCut(List<RegisterOp> failing, Budget budget, Budget.Meter overall) {
        List<Long> readReturns = failing.stream().filter(op -> op.read() && !op.pending()).map(RegisterOp::ret)
                .distinct().sorted().toList();
        // Invariant: the cut at index hi fails (hi == size is the whole history, known to fail).
        int lo = 0;
        int hi = readReturns.size();
        while (lo < hi && !overall.expired()) {
            int mid = (lo + hi) >>> 1;
            if (fails(RegisterHistory.cutAt(failing, readReturns.get(mid)), budget, overall)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hi == readReturns.size() ? failing : RegisterHistory.cutAt(failing, readReturns.get(hi));
    }

    /** The history without ops [from, to), or null when that would drop a write a remaining read saw. */
    private static List<RegisterOp> without(List<RegisterOp> ops, int from, int to) {
        List<RegisterOp> dropped = ops.subList(from, to);
        List<RegisterOp> kept = new ArrayList<>(ops.subList(0, from));
        kept.addAll(ops.subList(to, ops.size()));
        for (RegisterOp read : kept) {
            if (read.read() && dropped.stream().anyMatch(w -> !w.read() && Objects.equals(w.value(), read.value()))) {
                return null;
            }
        }
        return kept;
    }

    /** Only a definite "not linearizable" counts: a search over budget proves nothing. */
    private static boolean fails(List<RegisterOp> ops, Budget budget, Budget.Meter overall) {
        return WglSearch.run(ops, overall.child(budget.maxSteps())) == WglSearch.Verdict.NOT_LINEARIZABLE;
    }
}
