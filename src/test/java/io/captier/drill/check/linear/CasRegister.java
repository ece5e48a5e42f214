package io.captier.drill.check.linear;

import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Precondition;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The sequential specification the search linearizes against: one key of the consistent
 * profile as a compare-and-set register (docs/architecture.md C1, C5). It starts with no value. Its
 * state is "no value" (absent or a tombstone: nothing the contract lets a client tell
 * apart, since a read answers 404 for both and a precondition treats both as "holds no
 * value") or a value at a version.
 *
 * <ul>
 *   <li>A read is legal where the state's value is the one it returned (versions of reads
 *       are not compared: the search judges what clients saw, as before compare-and-set).</li>
 *   <li>A write sets the state to its value (null for a delete) at its version. With a
 *       precondition it is legal only where the condition holds: that is the atomic
 *       check-and-write docs/architecture.md C5 promises.</li>
 *   <li>A 412 changes nothing, and is legal only where its condition is false and the
 *       state is what the answer said ({@link Mismatch}).</li>
 * </ul>
 *
 * <p><b>Versions nobody was told.</b> A write whose outcome is unknown (or whose answer
 * carried none) has a version the history may not show. Its state then carries version 0,
 * "not known", and a condition or a 412 may find it to be any version that is not known to
 * be another write's: on this key the primary gives every committed write a version above
 * the one it replaces ({@code GREATEST(version, old + 1)}), so two writes never share one.
 * A 412 that names the version fixes it for as long as that state lasts (the state then
 * carries it), so two observations of one write cannot disagree. Two writes of unknown
 * version are not kept apart from each other: the lenient reading.
 */
public final class CasRegister {

    /**
     * The register between two operations.
     *
     * @param value   the live value, or null for none (absent or tombstone)
     * @param version the value's version, 0 when not known; always 0 with no value (a
     *                tombstone's version decides nothing, and one "no value" state lets the
     *                search's memo merge more configurations)
     */
    record State(String value, long version) {

        static final State NO_VALUE = new State(null, 0);

        static State of(String value, long version) {
            return value == null ? NO_VALUE : new State(value, version);
        }

        boolean holdsValue() {
            return value != null;
        }

        /** A live value whose version the history does not tell. */
        boolean versionUnknown() {
            return value != null && version == 0;
        }
    }

    /** Every version some write of the history is known to have: no other write has one of these. */
    private final Set<Long> knownVersions;

    private CasRegister(Set<Long> knownVersions) {
        this.knownVersions = knownVersions;
    }

    /** The register for one key's history: the writes' known versions are taken from {@code ops}. */
    static CasRegister of(List<RegisterOp> ops) {
        Set<Long> known = new HashSet<>();
        for (RegisterOp op : ops) {
            if (op.mutates() && op.version() != 0) {
                known.add(op.version());
            }
        }
        return new CasRegister(known);
    }

    /**
     * Linearizes {@code op} at {@code state}.
     *
     * @return the state it leaves (for a read or a 412 the same state, or the same value
     *         with its unknown version now fixed by the 412), or null when {@code op}
     *         cannot take effect at {@code state}
     */
    State step(State state, RegisterOp op) {
        return switch (op.kind()) {
            case READ -> Objects.equals(op.value(), state.value()) ? state : null;
            case WRITE -> op.precondition() == null || mayHold(op.precondition(), state)
                    ? State.of(op.value(), op.version()) : null;
            case REFUSED -> refused(state, op.precondition(), op.mismatch());
        };
    }

    /** The state just after {@code write} took effect. */
    static State after(RegisterOp write) {
        return State.of(write.value(), write.version());
    }

    /**
     * Could {@code op} be linearized right after {@code write}, with nothing in between?
     * When not, no linearization puts {@code op} where {@code write}'s value is the state.
     */
    boolean couldFollow(RegisterOp op, RegisterOp write) {
        return step(after(write), op) != null;
    }

    /** Could the condition hold here (RFC 9110 section 13.1: If-Match, If-None-Match)? */
    private boolean mayHold(Precondition condition, State state) {
        if (condition.match() == Precondition.Match.VERSION && state.versionUnknown()) {
            return mayBe(condition.expectedVersion());
        }
        return condition.holds(state.holdsValue(), state.version());
    }

    /** Could the condition be false here? An unknown version may always differ from the one expected. */
    private static boolean mayFail(Precondition condition, State state) {
        if (condition.match() == Precondition.Match.VERSION && state.versionUnknown()) {
            return true;
        }
        return !condition.holds(state.holdsValue(), state.version());
    }

    /** A 412: the condition false, the state as the answer said; the state it leaves, or null. */
    private State refused(State state, Precondition condition, Mismatch said) {
        State seen = state;
        if (said != null) {
            if (said.exists() != state.holdsValue()) {
                return null;
            }
            if (said.exists() && said.currentVersion() != 0 && said.currentVersion() != state.version()) {
                if (!state.versionUnknown() || !mayBe(said.currentVersion())) {
                    return null;
                }
                // The answer told this write's version: it holds for the rest of this state.
                seen = new State(state.value(), said.currentVersion());
            }
        }
        return mayFail(condition, seen) ? seen : null;
    }

    /** May a value of unknown version have this one? Not if another write is known to have it. */
    private boolean mayBe(long version) {
        return !knownVersions.contains(version);
    }
}
