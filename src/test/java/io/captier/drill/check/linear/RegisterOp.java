package io.captier.drill.check.linear;

import io.captier.drill.history.Op;

/**
 * One operation on a single-key register as the linearizability search sees it: a read
 * that must observe {@code value}, or a write of {@code value} (null = absent, so a delete
 * is a write of absent). {@code call} and {@code ret} are the real-time interval on the
 * runner's monotonic clock; {@code ret} is {@link #NEVER} for a write that may take effect
 * at any later time or not at all.
 *
 * @param source the recorded operation, for counter-examples
 */
public record RegisterOp(Op source, boolean read, String value, long call, long ret) {

    /** Completion at infinity: the operation can be linearized after everything else. */
    public static final long NEVER = Long.MAX_VALUE;

    RegisterOp returningAt(long newRet) {
        return new RegisterOp(source, read, value, call, newRet);
    }

    boolean pending() {
        return ret == NEVER;
    }
}
