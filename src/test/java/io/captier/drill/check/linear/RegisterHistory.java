package io.captier.drill.check.linear;

import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns one key's recorded operations into register operations for the linearizability
 * search, deciding which of them constrain it and how.
 *
 * <ul>
 *   <li>Consistent reads answered OK (200, or 404 = absent) must be explained; reads that
 *       failed or got no answer observed nothing and are left out.</li>
 *   <li>Writes and deletes answered OK took effect between their call and their return.</li>
 *   <li>UNKNOWN writes may have taken effect at any time after their call, or never: their
 *       return is put at infinity, so the search may place them anywhere later, or leave
 *       them out.</li>
 *   <li>FAILED writes never happened and are left out.</li>
 *   <li>Compare-and-sets (docs/architecture.md C5) are writes as above that carry their precondition: one
 *       answered 2xx took effect where its condition held, an UNKNOWN one may have taken
 *       effect where it held, or never. A 412 is kept as a {@link RegisterOp.Kind#REFUSED
 *       refusal}: it observed, within its interval, a state where its condition was false
 *       and that the answer described. Any other refusal (503 "not-applied", 400, ...)
 *       never applied and is left out, like a FAILED write.</li>
 *   <li>Replayed answers ({@code Idempotent-Replayed: true}, docs/architecture.md A8) are left out too: a
 *       replay repeats the answer to an earlier attempt and writes nothing itself. Taking
 *       it as a write within its own call and return would make a later write look
 *       overwritten. The attempt it repeats stays in, as what it was (acknowledged, or
 *       UNKNOWN: may have taken effect any time after its call), which is the lenient
 *       reading.</li>
 *   <li>Available-profile writes to the same key (a drill should keep the profiles on
 *       separate keys, but need not): committed on the primary ({@code durability primary})
 *       they are ordinary writes; buffered ones reach PostgreSQL whenever the reconciler
 *       applies them, or never if a newer version is already there, so they count as
 *       UNKNOWN. Available reads promise no linearizability and are left out. (A
 *       compare-and-set needs the primary in either profile, docs/architecture.md A8.)</li>
 * </ul>
 *
 * <p>A write's version is the one its answer gave. A write without one (no answer) whose
 * value no other write wrote takes the version every consistent read of that value
 * reported, when they agree: that is the version it was given, and knowing it keeps the
 * search from guessing it ({@link CasRegister}).
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
            } else if (op.replayed()) {
                continue;
            } else if (op.preconditionFailed()) {
                ops.add(new RegisterOp(op, RegisterOp.Kind.REFUSED, op.writtenValue(), 0, op.precondition(),
                        op.mismatch(), op.invokeNanos(), op.completeNanos()));
            } else if (op.outcome() != Outcome.FAILED) {
                long ret = takesEffectBeforeAnswer(op) ? op.completeNanos() : RegisterOp.NEVER;
                ops.add(new RegisterOp(op, RegisterOp.Kind.WRITE, op.writtenValue(), op.version(), op.precondition(),
                        null, op.invokeNanos(), ret));
            }
        }
        return withVersionsFromReads(ops);
    }

    /** A read of {@code value} after everything: the final state must be one a linearization leaves. */
    public static List<RegisterOp> withFinalRead(List<RegisterOp> ops, Op finalRead) {
        List<RegisterOp> all = new ArrayList<>(ops);
        long after = ops.stream().mapToLong(o -> o.pending() ? o.call() : o.ret()).max().orElse(0) + 1;
        all.add(new RegisterOp(finalRead, true, finalRead.valueRead(), after, RegisterOp.NEVER));
        return all;
    }

    /**
     * The history as it stood at instant {@code t}: reads and 412s answered by then, writes
     * invoked by then (those not answered yet count as pending: they may or may not have
     * taken effect). If this is not linearizable, no later cut is either: a linearization
     * of a later cut, cut before its first operation invoked after {@code t}, is one of
     * this (everything answered by {@code t} precedes that operation; whatever else was
     * placed before it is pending here). That makes the first failing cut a good place to
     * look for a counter-example.
     */
    static List<RegisterOp> cutAt(List<RegisterOp> ops, long t) {
        List<RegisterOp> cut = new ArrayList<>();
        for (RegisterOp op : ops) {
            if (op.observes()) {
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
     * The same history, made easier to search without changing its verdict. Both rules are
     * about pending writes (never answered), which the search could otherwise try at every
     * point of the rest of the history:
     *
     * <ul>
     *   <li>A pending write that no operation could observe is dropped: nothing not
     *       answered before it was called could be linearized right after it
     *       ({@link CasRegister#couldFollow}: no read of its value, no condition or 412
     *       its state would satisfy). In a linearization that has it, the next operation
     *       after it is then a write that does not look at the state; without it, nothing
     *       else changes. Pending compare-and-sets only count as observers when they are
     *       kept themselves (they need not take effect), so this is a fixpoint: what must be
     *       placed, and what that may have seen, and so on.</li>
     *   <li>A pending write that is the only write of its value, and whose value some read
     *       returned, gets that read's return as its own (the earliest such read's, of those
     *       not answered before it was called): it must precede that read, so it precedes
     *       whatever that read precedes. Without this, a pending write stays concurrent
     *       with the rest of the history and the search tries it everywhere.</li>
     * </ul>
     */
    static List<RegisterOp> simplified(List<RegisterOp> ops, CasRegister register) {
        Map<String, Integer> writesOf = new HashMap<>();
        for (RegisterOp op : ops) {
            if (op.mutates() && op.value() != null) {
                writesOf.merge(op.value(), 1, Integer::sum);
            }
        }
        boolean[] observable = observable(ops, register);
        List<RegisterOp> kept = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            RegisterOp op = ops.get(i);
            if (!op.optional()) {
                kept.add(op);
            } else if (observable[i]) {
                boolean onlyWriter = op.value() != null && writesOf.get(op.value()) == 1;
                long readBy = onlyWriter ? firstReadOf(op, ops) : RegisterOp.NEVER;
                kept.add(readBy != RegisterOp.NEVER ? op.returningAt(readBy) : op);
            }
        }
        return kept;
    }

    /**
     * Which pending writes could be seen: by an operation that must be placed, or by a
     * pending compare-and-set that could itself be seen, not answered before the write was
     * called, and could be linearized right after it.
     */
    private static boolean[] observable(List<RegisterOp> ops, CasRegister register) {
        boolean[] seen = new boolean[ops.size()];
        Deque<RegisterOp> observers = new ArrayDeque<>();
        for (RegisterOp op : ops) {
            if (op.constrained() && !op.optional()) {
                observers.add(op);
            }
        }
        while (!observers.isEmpty()) {
            RegisterOp observer = observers.poll();
            for (int i = 0; i < ops.size(); i++) {
                RegisterOp write = ops.get(i);
                if (!seen[i] && write.optional() && write != observer && observer.ret() >= write.call()
                        && register.couldFollow(observer, write)) {
                    seen[i] = true;
                    if (write.constrained()) {
                        observers.add(write);
                    }
                }
            }
        }
        return seen;
    }

    /** The earliest return of a read of {@code write}'s value not answered before it was called; NEVER if none. */
    private static long firstReadOf(RegisterOp write, List<RegisterOp> ops) {
        long first = RegisterOp.NEVER;
        for (RegisterOp op : ops) {
            if (op.read() && op.ret() >= write.call() && Objects.equals(op.value(), write.value())) {
                first = Math.min(first, op.ret());
            }
        }
        return first;
    }

    /**
     * Gives each write without a version the one the reads of its value reported, when its
     * value is written by no other write and those reads agree on one version.
     */
    private static List<RegisterOp> withVersionsFromReads(List<RegisterOp> ops) {
        Map<String, Integer> writesOf = new HashMap<>();
        Map<String, Set<Long>> readVersions = new HashMap<>();
        for (RegisterOp op : ops) {
            if (op.mutates() && op.value() != null) {
                writesOf.merge(op.value(), 1, Integer::sum);
            } else if (op.read() && op.value() != null && op.source() != null && op.source().version() != 0) {
                readVersions.computeIfAbsent(op.value(), v -> new HashSet<>()).add(op.source().version());
            }
        }
        List<RegisterOp> out = new ArrayList<>(ops.size());
        for (RegisterOp op : ops) {
            Set<Long> seen = op.value() == null ? null : readVersions.get(op.value());
            if (op.mutates() && op.version() == 0 && seen != null && seen.size() == 1
                    && writesOf.get(op.value()) == 1) {
                op = new RegisterOp(op.source(), op.kind(), op.value(), seen.iterator().next(), op.precondition(),
                        null, op.call(), op.ret());
            }
            out.add(op);
        }
        return out;
    }

    private static boolean takesEffectBeforeAnswer(Op write) {
        if (write.outcome() != Outcome.OK) {
            return false;
        }
        // An available write without a recorded durability is taken as buffered: the lenient reading.
        // A compare-and-set is checked and applied on the primary, or not at all.
        return write.mode() == Mode.CONSISTENT || write.durability() == Durability.PRIMARY || write.isCas();
    }
}
