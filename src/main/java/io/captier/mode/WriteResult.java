package io.captier.mode;

/**
 * An acknowledged write.
 *
 * @param replayed the answer of an earlier request with the same Idempotency-Key
 */
public record WriteResult(String key, long version, Durability durability, boolean replayed) {
}
