package io.captier.topology;

/**
 * One Redis data node as its latest probe and the sentinels found it, in a {@link TopologyView}.
 *
 * @param address        host:port as the sentinels name it
 * @param reportedRole   what the node says it is ({@link NodeRole#MASTER}, {@link NodeRole#REPLICA});
 *                       a restarted old master says master until the sentinels demote it
 * @param reachable      the latest probe answered
 * @param linkUp         a replica's link to its master is up
 * @param syncing        a replica is in its initial sync: its data is not to be trusted
 * @param heartbeatMs    this instance's newest heartbeat seen on the node ({@code MonotonicClock} ms), -1 if none
 * @param probedAtMs     when the latest probe finished ({@code MonotonicClock} ms), 0 if never
 * @param error          why the latest probe failed, null when it answered
 * @param sentinelFlags  the flags the sentinels give it as a replica of the master ("" when unlisted,
 *                       "master" for the master itself)
 * @param readable       fit to read from as a replica, freshness aside (the rule is the Redis
 *                       store's: {@code RedisTopology.readable})
 */
public record RedisNodeView(String address, NodeRole reportedRole, boolean reachable, boolean linkUp, boolean syncing,
                            long heartbeatMs, long probedAtMs, String error, String sentinelFlags, boolean readable) {
}
