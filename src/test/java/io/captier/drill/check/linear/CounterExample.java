package io.captier.drill.check.linear;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Shrinks a register history that is not linearizable to a few operations that still are
 * not: what a person needs to see to believe the verdict.
 *
 * <p>First the earliest failing cut ({@link RegisterHistory#cutAt}): everything after the
 * observation (a read, a 412 or a compare-and-set) that first cannot be explained goes.
 * Then operations are dropped, in halves, then quarters, down to one at a time, as long as
 * what is left still fails. A write is only dropped when no remaining operation could
 * have seen it ({@link CasRegister#couldFollow}: no remaining read returned its value, no
 * remaining condition or 412 would fit the state it left). That rule keeps the shrinking
 * honest: any linearization of the bigger history, restricted to what is left, still
 * explains every operation left (what each of them saw was left by a write that is still
 * there), so "what is left cannot be linearized" implies the whole history cannot. Dropping
 * the write a read saw would instead invent a new failure. (Fewer writes also means fewer
 * versions known to be taken, which only makes what is left easier to linearize.)
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
        // Where an operation that depends on the state answered: only there can a history start failing.
        List<Long> cutPoints = failing.stream().filter(op -> op.constrained() && !op.pending())
                .map(RegisterOp::ret).distinct().sorted().toList();
        // Invariant: the cut at index hi fails (hi == size is the whole history, known to fail).
        int lo = 0;
        int hi = cutPoints.size();
        while (lo < hi && !overall.expired()) {
            int mid = (lo + hi) >>> 1;
            if (fails(RegisterHistory.cutAt(failing, cutPoints.get(mid)), budget, overall)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hi == cutPoints.size() ? failing : RegisterHistory.cutAt(failing, cutPoints.get(hi));
    }

    /** The history without ops [from, to), or null when that would drop a write a remaining operation may have seen. */
    private static List<RegisterOp> without(List<RegisterOp> ops, int from, int to) {
        CasRegister register = CasRegister.of(ops);
        List<RegisterOp> dropped = ops.subList(from, to);
        List<RegisterOp> kept = new ArrayList<>(ops.subList(0, from));
        kept.addAll(ops.subList(to, ops.size()));
        for (RegisterOp seer : kept) {
            if (seer.constrained() && dropped.stream().anyMatch(w -> w.mutates() && register.couldFollow(seer, w))) {
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
