package io.captier.store.redis;

import io.captier.topology.NodeRole;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which replicas an available read may use (the traps of a Sentinel failover). */
class ReplicaChoiceTest {

    static final RedisProbe HEALTHY = new RedisProbe(true, NodeRole.REPLICA, true, false, 1_000, 1_000, null);
    static final SentinelView.Replica OK = new SentinelView.Replica("127.0.0.1:1", "slave");

    @Test
    void aHealthyFollowingReplicaIsReadable() {
        assertTrue(RedisTopology.readable(HEALTHY, OK));
    }

    @Test
    void theDeadOldMasterListedAsAReplicaIsNot() {
        assertFalse(RedisTopology.readable(HEALTHY, new SentinelView.Replica("127.0.0.1:1", "s_down,slave")));
        assertFalse(RedisTopology.readable(HEALTHY, new SentinelView.Replica("127.0.0.1:1", "slave,disconnected")));
        assertFalse(RedisTopology.readable(HEALTHY, new SentinelView.Replica("127.0.0.1:1", "o_down,slave")));
        assertFalse(RedisTopology.readable(HEALTHY, null), "a node the sentinels don't list as a replica");
    }

    @Test
    void aReplicaInInitialSyncOrWithoutOurHeartbeatIsNot() {
        assertFalse(RedisTopology.readable(new RedisProbe(true, NodeRole.REPLICA, true, true, 1_000, 1_000, null), OK),
                "initial sync: it may answer empty");
        assertFalse(RedisTopology.readable(new RedisProbe(true, NodeRole.REPLICA, true, false, -1, 1_000, null), OK),
                "no heartbeat of ours: resynced empty, or never caught up");
    }

    @Test
    void aReplicaCutOffFromItsMasterStaysReadableItsHeartbeatAges() {
        assertTrue(RedisTopology.readable(new RedisProbe(true, NodeRole.REPLICA, false, false, 1_000, 1_000, null),
                new SentinelView.Replica("127.0.0.1:1", "slave")));
    }

    @Test
    void aRestartedOldMasterStillClaimingMastershipIsNot() {
        assertFalse(RedisTopology.readable(new RedisProbe(true, NodeRole.MASTER, false, false, 1_000, 1_000, null), OK));
        assertFalse(RedisTopology.readable(new RedisProbe(false, NodeRole.REPLICA, true, false, 1_000, 1_000, "refused"), OK));
    }
}
