package io.captier.store.redis;

/**
 * What one probe of a Redis data node found.
 *
 * @param role            "master" or "slave" as the node itself says (INFO replication)
 * @param linkUp          a replica's link to its master is up
 * @param syncing         a replica is still in its initial sync: its data is not to be trusted
 * @param heartbeatMs     this instance's newest heartbeat visible on the node ({@link io.captier.version.MonotonicClock} ms), -1 if none
 */
public record RedisProbe(boolean reachable, String role, boolean linkUp, boolean syncing,
                         long heartbeatMs, long probedAtMs, String error) {

    static RedisProbe never() {
        return new RedisProbe(false, "unknown", false, false, -1, 0, "not probed yet");
    }

    RedisProbe failed(String why, long now) {
        return new RedisProbe(false, role, false, syncing, heartbeatMs, now, why);
    }
}
