package io.captier.failure;

import java.util.OptionalLong;

/**
 * A write reached the store but its answer did not come back (the commit was sent, then
 * the connection broke or timed out). It may or may not have been applied; only a retry
 * with the same idempotency key can settle it safely (docs/architecture.md C4).
 */
public class OutcomeUnknownException extends RuntimeException {

    /** The version the write has if it was applied, when the store chose it before the commit; 0 when not known. */
    private final long version;

    public OutcomeUnknownException(String message, Throwable cause) {
        this(message, cause, 0);
    }

    /**
     * @param version the version the store chose for the write before its commit was sent
     *                (it has that one if the commit went through), or 0 when not known
     */
    public OutcomeUnknownException(String message, Throwable cause, long version) {
        super(message, cause, false, false);
        this.version = version;
    }

    /** @return the version the write has if it was applied, when known before the commit was sent */
    public OptionalLong version() {
        return version == 0 ? OptionalLong.empty() : OptionalLong.of(version);
    }
}
