package io.captier.store.redis;

import io.captier.topology.NodeRole;

/**
 * What one probe of a Redis data node found.
 *
 * @param role            {@link NodeRole#MASTER} or {@link NodeRole#REPLICA}, as the node itself says (INFO replication)
 * @param linkUp          a replica's link to its master is up
 * @param syncing         a replica is still in its initial sync: its data is not to be trusted
 * @param heartbeatMs     this instance's newest heartbeat visible on the node ({@link io.captier.version.MonotonicClock} ms), -1 if none
 */
public record RedisProbe(boolean reachable, NodeRole role, boolean linkUp, boolean syncing,
                         long heartbeatMs, long probedAtMs, String error) {

    static RedisProbe never() {
        return new RedisProbe(false, NodeRole.UNKNOWN, false, false, -1, 0, "not probed yet");
    }

    RedisProbe failed(String why, long now) {
        return new RedisProbe(false, role, false, syncing, heartbeatMs, now, why);
    }
}
