package io.captier.drill.check.linear;

import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one key's recorded operations into register operations for the linearizability
 * search, deciding which of them constrain it and how.
 *
 * <ul>
 *   <li>Consistent reads answered OK (200, or 404 = absent) must be explained; reads that
 *       failed or got no answer observed nothing and are left out.</li>
 *   <li>Writes and deletes answered OK took effect between their call and their return.</li>
 *   <li>UNKNOWN writes may have taken effect at any time after their call, or never: their
 *       return is put at infinity, so the search may place them anywhere later, including
 *       after every other operation (which is the same as never).</li>
 *   <li>FAILED writes never happened and are left out.</li>
 *   <li>Replayed answers ({@code Idempotent-Replayed: true}, DESIGN A8) are left out too: a
 *       replay repeats the answer to an earlier attempt and writes nothing itself. Taking
 *       it as a write within its own call and return would make a later write look
 *       overwritten. The attempt it repeats stays in, as what it was (acknowledged, or
 *       UNKNOWN: may have taken effect any time after its call), which is the lenient
 *       reading.</li>
 *   <li>Available-profile writes to the same key (a drill should keep the profiles on
 *       separate keys, but need not): committed on the primary ({@code durability primary})
 *       they are ordinary writes; buffered ones reach PostgreSQL whenever the reconciler
 *       applies them, or never if a newer version is already there, so they count as
 *       UNKNOWN. Available reads promise no linearizability and are left out.</li>
 * </ul>
 */
public final class RegisterHistory {

    private RegisterHistory() {
    }

    public static List<RegisterOp> of(List<Op> keyOps) {
        List<RegisterOp> ops = new ArrayList<>();
        for (Op op : keyOps) {
            if (op.isRead()) {
                if (op.mode() == Mode.CONSISTENT && op.outcome() == Outcome.OK) {
                    ops.add(new RegisterOp(op, true, op.valueRead(), op.invokeNanos(), op.completeNanos()));
                }
            } else if (op.outcome() != Outcome.FAILED && !op.replayed()) {
                long ret = takesEffectBeforeAnswer(op) ? op.completeNanos() : RegisterOp.NEVER;
                ops.add(new RegisterOp(op, false, op.writtenValue(), op.invokeNanos(), ret));
            }
        }
        return ops;
    }

    /** A read of {@code value} after everything: the final state must be one a linearization leaves. */
    public static List<RegisterOp> withFinalRead(List<RegisterOp> ops, Op finalRead) {
        List<RegisterOp> all = new ArrayList<>(ops);
        long after = ops.stream().mapToLong(o -> o.pending() ? o.call() : o.ret()).max().orElse(0) + 1;
        all.add(new RegisterOp(finalRead, true, finalRead.valueRead(), after, RegisterOp.NEVER));
        return all;
    }

    /**
     * The history as it stood at instant {@code t}: reads answered by then, writes invoked by
     * then (those not answered yet count as pending). If this is not linearizable, no later
     * cut is either: later reads only add constraints, later writes come after every read
     * here. That makes the first failing cut a good place to look for a counter-example.
     */
    static List<RegisterOp> cutAt(List<RegisterOp> ops, long t) {
        List<RegisterOp> cut = new ArrayList<>();
        for (RegisterOp op : ops) {
            if (op.read()) {
                if (op.ret() <= t) {
                    cut.add(op);
                }
            } else if (op.call() <= t) {
                cut.add(op.ret() <= t ? op : op.returningAt(RegisterOp.NEVER));
            }
        }
        return cut;
    }

    /**
     * The same history, made easier to search without changing its verdict:
     *
     * <ul>
     *   <li>A pending write whose value no read returned is dropped. It can always be put
     *       after every other operation (it never returns, so nothing has to follow it),
     *       where it changes nothing anyone saw; and wherever else it stood, no read
     *       depended on it.</li>
     *   <li>A pending write that is the only write of its value, and whose value some read
     *       returned, gets that read's return as its own (the earliest such read's): it must
     *       precede that read, so it precedes whatever that read precedes. Without this, a
     *       pending write stays concurrent with the rest of the history and the search
     *       tries it everywhere.</li>
     * </ul>
     */
    static List<RegisterOp> simplified(List<RegisterOp> ops) {
        Map<String, Long> firstReturnOfRead = new HashMap<>();
        Map<String, Integer> writesOf = new HashMap<>();
        for (RegisterOp op : ops) {
            if (op.read()) {
                firstReturnOfRead.merge(String.valueOf(op.value()), op.ret(), Math::min);
            } else {
                writesOf.merge(String.valueOf(op.value()), 1, Integer::sum);
            }
        }
        List<RegisterOp> kept = new ArrayList<>(ops.size());
        for (RegisterOp op : ops) {
            Long readBy = firstReturnOfRead.get(String.valueOf(op.value()));
            if (op.read() || !op.pending()) {
                kept.add(op);
            } else if (readBy != null) {
                boolean onlyWriter = op.value() != null && writesOf.get(op.value()) == 1;
                kept.add(onlyWriter ? op.returningAt(readBy) : op);
            }
        }
        return kept;
    }

    private static boolean takesEffectBeforeAnswer(Op write) {
        if (write.outcome() != Outcome.OK) {
            return false;
        }
        // An available write without a recorded durability is taken as buffered: the lenient reading.
        return write.mode() == Mode.CONSISTENT || write.durability() == Durability.PRIMARY;
    }
}
