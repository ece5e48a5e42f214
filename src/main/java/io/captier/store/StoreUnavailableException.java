package io.captier.store;

/**
 * A store could not do what was asked, and nothing was changed by trying: it was
 * unreachable, refused, timed out before a write was sent, or its breaker is open.
 */
public class StoreUnavailableException extends RuntimeException {

    private final long retryAfterMs;

    public StoreUnavailableException(String message, Throwable cause) {
        this(message, cause, 1000);
    }

    public StoreUnavailableException(String message, Throwable cause, long retryAfterMs) {
        super(message, cause, false, false);
        this.retryAfterMs = retryAfterMs;
    }

    /** How long a client should wait before trying again. */
    public long retryAfterMs() {
        return retryAfterMs;
    }
}
