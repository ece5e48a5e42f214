package io.captier.store.redis;

/**
 * Key names in Redis. Entries live under {@code captier:kv:}; everything else (heartbeats,
 * the pending stream) under {@code captier:meta:}, so the two never collide.
 */
public final class RedisKeys {

    private RedisKeys() {
    }

    public static String entry(String key) {
        return "captier:kv:" + key;
    }

    public static String heartbeat(String instance) {
        return "captier:meta:hb:" + instance;
    }

    /** The first answer to an Idempotency-Key whose write went to the pending stream. */
    public static String idempotency(String idempotencyKey) {
        return "captier:meta:idem:" + idempotencyKey;
    }

    /** Writes accepted while PostgreSQL was unreachable, waiting for reconciliation. */
    public static final String PENDING = "captier:meta:pending";

    /** Set once a full resync filled the projection; gone when Redis loses its data. */
    public static final String PROJECTION_COMPLETE = "captier:meta:projection-complete";
}
