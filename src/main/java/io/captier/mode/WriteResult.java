package io.captier.mode;

/**
 * An acknowledged write.
 *
 * @param version  its version (HLC)
 * @param origin   the instance that issued the version (the last-writer-wins tie-break);
 *                 on a replay the first attempt's, null when its record predates origins
 * @param replayed the answer of an earlier request with the same Idempotency-Key
 */
public record WriteResult(String key, long version, String origin, Durability durability, boolean replayed) {
}
