package io.captier.store;

/**
 * The first answer to a request with an Idempotency-Key, found again for a retry: the
 * version the write was given, the instance that issued it, and where it was when found.
 *
 * @param version the write's version (HLC)
 * @param origin  the instance that issued the version, or null for records from before
 *                origins were kept
 * @param where   {@code primary}, {@code replicated-buffer} or {@code local}: the
 *                durability to answer with (io.captier.mode.Durability's wire names)
 */
public record Replay(long version, String origin, String where) {
}
