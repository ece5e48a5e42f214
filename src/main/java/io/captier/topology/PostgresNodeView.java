package io.captier.topology;

/**
 * One PostgreSQL node as its latest probe found it, in a {@link TopologyView}.
 *
 * @param name        host:port as DATABASE_URL names it
 * @param role        {@link NodeRole#PRIMARY}, {@link NodeRole#STANDBY}, or {@link NodeRole#UNKNOWN} before a probe answered
 * @param reachable   the latest probe answered
 * @param timeline    the node's WAL timeline (0 before a probe answered)
 * @param fenced      an old primary that came back after a promotion: never written to nor read
 * @param heartbeatMs this instance's newest heartbeat seen on the node ({@code MonotonicClock} ms), -1 if none
 * @param probedAtMs  when the latest probe finished ({@code MonotonicClock} ms), 0 if never
 * @param error       why the latest probe failed, null when it answered
 */
public record PostgresNodeView(String name, NodeRole role, boolean reachable, int timeline, boolean fenced,
                               long heartbeatMs, long probedAtMs, String error) {

    /** Reachable as a primary the fence lets through: a node writes and linearizable reads may go to. */
    public boolean usablePrimary() {
        return reachable && role == NodeRole.PRIMARY && !fenced;
    }
}
