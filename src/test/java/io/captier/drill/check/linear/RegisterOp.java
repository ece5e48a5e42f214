package io.captier.drill.check.linear;

import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Op;
import io.captier.drill.history.Precondition;

/**
 * One operation on a single-key compare-and-set register as the linearizability search
 * sees it ({@link CasRegister} says what each kind may do):
 *
 * <ul>
 *   <li>{@link Kind#READ}: observes {@code value} (null = no value: absent or tombstone);</li>
 *   <li>{@link Kind#WRITE}: sets the register to {@code value} at {@code version} (a delete
 *       is a write of null); with a {@code precondition} it is a compare-and-set that could
 *       only take effect where the condition held;</li>
 *   <li>{@link Kind#REFUSED}: a compare-and-set answered 412; it changed nothing, at an
 *       instant where {@code precondition} was false and the register looked like
 *       {@code mismatch} (when the answer said).</li>
 * </ul>
 *
 * {@code call} and {@code ret} are the real-time interval on the runner's monotonic clock;
 * {@code ret} is {@link #NEVER} for a write that may take effect at any later time or not
 * at all (and for the final-state read, which comes after everything).
 *
 * @param source       the recorded operation, for counter-examples
 * @param version      for writes: the version the write was given, 0 when not known (no
 *                     answer, or not recorded)
 * @param precondition for a WRITE or REFUSED compare-and-set: its condition; else null
 * @param mismatch     for REFUSED: what the 412 said the key held; null when it did not say
 */
public record RegisterOp(Op source, Kind kind, String value, long version, Precondition precondition,
                         Mismatch mismatch, long call, long ret) {

    /** Completion at infinity: the operation can be linearized after everything else. */
    public static final long NEVER = Long.MAX_VALUE;

    public enum Kind {
        READ,
        WRITE,
        REFUSED
    }

    /** A plain read of {@code value} ({@code read}) or a plain write of it, version unknown. */
    public RegisterOp(Op source, boolean read, String value, long call, long ret) {
        this(source, read ? Kind.READ : Kind.WRITE, value, 0, null, null, call, ret);
    }

    RegisterOp returningAt(long newRet) {
        return new RegisterOp(source, kind, value, version, precondition, mismatch, call, newRet);
    }

    public boolean read() {
        return kind == Kind.READ;
    }

    /** Changes the register when it takes effect: a write or delete, conditional or not. */
    public boolean mutates() {
        return kind == Kind.WRITE;
    }

    /** Changes nothing but must see a particular state: a read, or a 412. */
    boolean observes() {
        return kind != Kind.WRITE;
    }

    /**
     * The state restricts where it can be linearized: a read, a 412, or a compare-and-set
     * write. Only a history with such an operation can fail to be linearizable.
     */
    public boolean constrained() {
        return observes() || precondition != null;
    }

    boolean pending() {
        return ret == NEVER;
    }

    /**
     * May be left out of a linearization: a write whose outcome is unknown may never have
     * taken effect. Observations must all be placed, the final-state read included.
     */
    boolean optional() {
        return pending() && mutates();
    }
}
