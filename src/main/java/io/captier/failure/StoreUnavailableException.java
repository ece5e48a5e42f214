package io.captier.failure;

/**
 * A store could not do what was asked, and nothing was changed by trying: it was
 * unreachable, refused, timed out before a write was sent, or its breaker is open.
 *
 * <p>It carries two texts. {@link #detail()} says what failed in domain words only
 * ({@code postgres-primary unreachable}): clients get it as the 503's detail, and the open
 * {@code /health} shows it. {@link #getMessage()} adds what only operators may see (node
 * addresses, driver messages), for the log; {@code /nodes} and {@code /circuit-breaker},
 * which need a key, show the same from the probes.
 */
public class StoreUnavailableException extends RuntimeException {

    private final String detail;
    private final long retryAfterMs;

    /** @param detail what failed, in domain words, without any address or driver text */
    public StoreUnavailableException(String detail, Throwable cause) {
        this(detail, null, cause, 1000);
    }

    /**
     * @param detail       what failed, in domain words, without any address or driver text
     * @param internal     what operators need besides (addresses, driver messages), or null
     * @param cause        the failure underneath, or null
     * @param retryAfterMs how long a client should wait before trying again, in milliseconds
     */
    public StoreUnavailableException(String detail, String internal, Throwable cause, long retryAfterMs) {
        super(internal == null ? detail : detail + " (" + internal + ")", cause, false, false);
        this.detail = detail;
        this.retryAfterMs = retryAfterMs;
    }

    /** What failed, in domain words: safe to show to anyone. */
    public String detail() {
        return detail;
    }

    /** How long a client should wait before trying again. */
    public long retryAfterMs() {
        return retryAfterMs;
    }
}
