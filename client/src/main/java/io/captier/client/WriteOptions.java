package io.captier.client;

import java.util.Objects;
import java.util.Optional;

/**
 * Options of one write or delete.
 *
 * @param precondition   the condition it is applied under, {@link Precondition#none()} by default
 * @param idempotencyKey the {@code Idempotency-Key} to send (1 to 255 visible ASCII
 *                       characters, README "API"); empty: a new random UUID per call. Give one
 *                       to resend a write whose outcome was unknown
 *                       ({@link CaptierException#idempotencyKey()})
 */
public record WriteOptions(Precondition precondition, Optional<String> idempotencyKey) {

    private static final WriteOptions DEFAULTS = new WriteOptions(Precondition.none(), Optional.empty());

    /**
     * @param precondition   as above, not null
     * @param idempotencyKey as above, not null
     * @throws IllegalArgumentException when the idempotency key is not 1 to 255 visible ASCII characters
     */
    public WriteOptions {
        Objects.requireNonNull(precondition, "precondition");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        idempotencyKey.ifPresent(WriteOptions::checkIdempotencyKey);
    }

    /** @return no condition, a fresh idempotency key per call */
    public static WriteOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param condition the condition
     * @return these options with that condition
     */
    public static WriteOptions when(Precondition condition) {
        return new WriteOptions(condition, Optional.empty());
    }

    /**
     * @param key the Idempotency-Key to send, 1 to 255 visible ASCII characters
     * @return these options with that key
     */
    public WriteOptions withIdempotencyKey(String key) {
        return new WriteOptions(precondition, Optional.of(key));
    }

    private static void checkIdempotencyKey(String key) {
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("an Idempotency-Key is 1 to 255 visible ASCII characters");
        }
    }
}
