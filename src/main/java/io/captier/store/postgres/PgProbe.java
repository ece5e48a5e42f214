package io.captier.store.postgres;

import io.captier.topology.NodeRole;

/**
 * What one probe of a PostgreSQL node found.
 *
 * @param reachable       the probe query answered
 * @param inRecovery      a standby (or a node still recovering)
 * @param timeline        the node's WAL timeline: a promotion starts a higher one
 * @param systemId        the cluster's system identifier: a re-initialised cluster differs
 * @param heartbeatMs     this instance's newest heartbeat visible on the node ({@link io.captier.version.MonotonicClock} ms), -1 if none
 * @param probedAtMs      when the probe finished ({@link io.captier.version.MonotonicClock} ms)
 * @param error           why it failed, when it did
 */
public record PgProbe(boolean reachable, boolean inRecovery, int timeline, long systemId,
                      long heartbeatMs, long probedAtMs, String error) {

    static PgProbe never() {
        return new PgProbe(false, false, 0, 0, -1, 0, "not probed yet");
    }

    PgProbe failed(String why, long now) {
        // Keep what we knew (timeline, last heartbeat): staleness keeps growing from it.
        return new PgProbe(false, inRecovery, timeline, systemId, heartbeatMs, now, why);
    }

    /** The role the probe found: {@link NodeRole#UNKNOWN} before a probe has answered. */
    public NodeRole role() {
        return timeline == 0 ? NodeRole.UNKNOWN : NodeRole.ofPostgres(inRecovery);
    }
}
