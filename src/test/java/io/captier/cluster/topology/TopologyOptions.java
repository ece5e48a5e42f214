package io.captier.cluster.topology;

/**
 * How a {@link Topology} is to be started. Every implementation either honours an option or
 * refuses it with IllegalArgumentException at start, naming it: a test that asked for something
 * must not run on a topology without it. The process topology honours all of them; the container
 * one refuses {@link #withBackups} and {@link #withNetwork()}.
 *
 * @param synchronousReplication the PostgreSQL primary waits for the standby to flush each commit
 * @param sentinelDownAfterMs how long a Redis node must not answer before a sentinel thinks it down
 * @param sentinelFailoverTimeoutMs the sentinels' failover-timeout
 * @param archiveTimeoutSec 0: no WAL archiving, no backups; otherwise both PostgreSQL nodes archive
 *                          into a pgBackRest repository with this archive_timeout
 * @param onNetwork each node in a network namespace of its own ({@link #withNetwork()})
 */
public record TopologyOptions(boolean synchronousReplication, int sentinelDownAfterMs, int sentinelFailoverTimeoutMs,
                              int archiveTimeoutSec, boolean onNetwork) {

    /** Synchronous replication, sentinels that call a node down after 1 s and fail over within 5 s,
     *  no backups, everything on 127.0.0.1. */
    public static TopologyOptions defaults() {
        return new TopologyOptions(true, 1000, 5000, 0, false);
    }

    public TopologyOptions withSynchronousReplication(boolean on) {
        return new TopologyOptions(on, sentinelDownAfterMs, sentinelFailoverTimeoutMs, archiveTimeoutSec, onNetwork);
    }

    public TopologyOptions withSentinelDownAfterMs(int ms) {
        return new TopologyOptions(synchronousReplication, ms, sentinelFailoverTimeoutMs, archiveTimeoutSec, onNetwork);
    }

    public TopologyOptions withSentinelFailoverTimeoutMs(int ms) {
        return new TopologyOptions(synchronousReplication, sentinelDownAfterMs, ms, archiveTimeoutSec, onNetwork);
    }

    /** WAL archiving and pgBackRest backups, a segment switched at least every {@code seconds}. */
    public TopologyOptions withBackups(int seconds) {
        return new TopologyOptions(synchronousReplication, sentinelDownAfterMs, sentinelFailoverTimeoutMs, seconds,
                onNetwork);
    }

    /** Each node in its own network namespace on one harness bridge ({@link Topology#network()}),
     *  listening on its host's address instead of 127.0.0.1, so that partitions can cut links. */
    public TopologyOptions withNetwork() {
        return new TopologyOptions(synchronousReplication, sentinelDownAfterMs, sentinelFailoverTimeoutMs,
                archiveTimeoutSec, true);
    }
}
