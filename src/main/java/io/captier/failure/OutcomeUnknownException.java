package io.captier.failure;

/**
 * A write reached the store but its answer did not come back (the commit was sent, then
 * the connection broke or timed out). It may or may not have been applied; only a retry
 * with the same idempotency key can settle it safely (docs/architecture.md C4).
 */
public class OutcomeUnknownException extends RuntimeException {

    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
