package io.captier.store;

/**
 * A client's Idempotency-Key and the fingerprint of the request it came with (a SHA-256
 * of operation, key, content type and value: io.captier.mode.WriteRequest#fingerprint).
 * The same key with another fingerprint is another request (docs/architecture.md C4, A8).
 *
 * @param key         1 to 255 visible ASCII characters
 * @param fingerprint 64 hex digits
 */
public record IdempotencyKey(String key, String fingerprint) {

    /**
     * How long a key is remembered, in every place it is kept (PostgreSQL, the Redis
     * buffer's records): long enough for any client's retries, short enough that the
     * records stay few. A write waiting in a hint log keeps its key as long as it waits.
     */
    public static final int RETENTION_HOURS = 24;

    /** The same key, sent with a different request. */
    public boolean conflictsWith(String otherFingerprint) {
        return !fingerprint.equals(otherFingerprint);
    }
}
