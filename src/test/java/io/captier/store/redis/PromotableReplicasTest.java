package io.captier.store.redis;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which replicas a buffered write must reach before it is {@code replicated-buffer}: every one a
 * failover may promote ({@link SentinelVotes#promotable}), each by name in the master's
 * {@code INFO replication} ({@link ReplicationInfo#allAcknowledged}).
 */
class PromotableReplicasTest {

    private static final long NOW = 10_000;
    private static final long FRESH = 3_000;

    private static SentinelView said(String master, Map<String, String> flags) {
        return said(master, flags, NOW - 100);
    }

    private static SentinelView said(String master, Map<String, String> flags, long atMs) {
        Map<String, SentinelView.Replica> replicas = new java.util.HashMap<>();
        flags.forEach((address, f) -> replicas.put(address, new SentinelView.Replica(address, f)));
        return new SentinelView(master, Map.copyOf(replicas), atMs);
    }

    @Test
    void aReplicaOneSentinelFlagsDisconnectedIsStillPromotable() {
        // A split: the sentinel on the master's side lost b, the two on the far side see it well.
        List<SentinelView> answers = List.of(said("m:1", Map.of("b:1", "slave,disconnected", "c:1", "slave")),
                said("m:1", Map.of("b:1", "slave", "c:1", "slave")),
                said("m:1", Map.of("b:1", "slave", "c:1", "slave")));
        assertEquals(Set.of("b:1", "c:1"), SentinelVotes.promotable(answers, "m:1", 3, NOW, FRESH));
    }

    @Test
    void aReplicaEverySentinelFlagsDownIsNot() {
        // The old master, dead, listed as a replica of the new one by all three.
        List<SentinelView> answers = List.of(said("m:1", Map.of("old:1", "s_down,slave", "c:1", "slave")),
                said("m:1", Map.of("old:1", "s_down,slave,disconnected", "c:1", "slave")),
                said("m:1", Map.of("old:1", "s_down,slave", "c:1", "slave")));
        assertEquals(Set.of("c:1"), SentinelVotes.promotable(answers, "m:1", 3, NOW, FRESH));
    }

    @Test
    void aSentinelNotHeardOrNamingAnotherMasterMayThinkAnyReplicaUp() {
        List<SentinelView> two = List.of(said("m:1", Map.of("old:1", "s_down,slave")),
                said("m:1", Map.of("old:1", "s_down,slave")));
        assertEquals(Set.of("old:1"), SentinelVotes.promotable(two, "m:1", 3, NOW, FRESH));
        List<SentinelView> another = List.of(said("m:1", Map.of("old:1", "s_down,slave")),
                said("m:1", Map.of("old:1", "s_down,slave")), said("x:1", Map.of("old:1", "s_down,slave")));
        assertEquals(Set.of("old:1"), SentinelVotes.promotable(another, "m:1", 3, NOW, FRESH));
    }

    @Test
    void aSentinelsOldAnswerIsNotWhatItThinksNow() {
        // All three flagged b down, then one stopped answering: it may see b well now, on the far
        // side of a split, and promote it.
        List<SentinelView> answers = List.of(said("m:1", Map.of("b:1", "s_down,slave", "c:1", "slave")),
                said("m:1", Map.of("b:1", "s_down,slave", "c:1", "slave")),
                said("m:1", Map.of("b:1", "s_down,slave", "c:1", "slave"), NOW - FRESH - 1));
        assertEquals(Set.of("b:1", "c:1"), SentinelVotes.promotable(answers, "m:1", 3, NOW, FRESH));
    }

    @Test
    void aReplicaASentinelDoesNotListIsOneItCannotPromote() {
        // A sentinel restarted with no state relearns replicas from the master: never the dead old one.
        List<SentinelView> answers = List.of(said("m:1", Map.of("old:1", "s_down,slave", "c:1", "slave")),
                said("m:1", Map.of("old:1", "s_down,slave", "c:1", "slave")),
                said("m:1", Map.of("c:1", "slave")));
        assertEquals(Set.of("c:1"), SentinelVotes.promotable(answers, "m:1", 3, NOW, FRESH));
    }

    @Test
    void theMasterItselfAndNoMasterAreNoReplicas() {
        assertEquals(Set.of("c:1"), SentinelVotes.promotable(List.of(said("m:1", Map.of("m:1", "slave", "c:1", "slave"))),
                "m:1", 1, NOW, FRESH));
        assertEquals(Set.of(), SentinelVotes.promotable(List.of(said("m:1", Map.of("c:1", "slave"))), null, 1, NOW, FRESH));
    }

    @Test
    void everyReplicaByNameMustHaveAcknowledgedTheOffset() {
        ReplicationInfo info = ReplicationInfo.parse("# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
                + "slave0:ip=10.0.0.2,port=6379,state=online,offset=500,lag=0\r\n"
                + "slave1:ip=10.0.0.3,port=6379,state=online,offset=420,lag=1\r\n"
                + "master_repl_offset:500\r\n");
        assertEquals(500, info.masterOffset());
        assertTrue(info.allAcknowledged(Set.of("10.0.0.2:6379"), 500));
        assertFalse(info.allAcknowledged(Set.of("10.0.0.2:6379", "10.0.0.3:6379"), 500),
                "two acknowledgements would satisfy WAIT 2 only if both are the right ones");
        assertTrue(info.allAcknowledged(Set.of("10.0.0.2:6379", "10.0.0.3:6379"), 420));
        assertFalse(info.allAcknowledged(Set.of("10.0.0.4:6379"), 1), "a replica not connected has acknowledged nothing");
        assertFalse(ReplicationInfo.parse("role:master\r\n").allAcknowledged(Set.of("10.0.0.2:6379"), -1),
                "no offset known");
    }

    @Test
    void aReplicaNotStreamingIsNotOnline() {
        ReplicationInfo info = ReplicationInfo.parse("role:master\r\n"
                + "slave0:ip=10.0.0.2,port=6379,state=online,offset=500,lag=0\r\n"
                + "slave1:ip=10.0.0.3,port=6379,state=wait_bgsave,offset=0,lag=0\r\n"
                + "slave2:ip=10.0.0.2,port=6379,state=online,offset=100,lag=3\r\n"
                + "master_repl_offset:500\r\n");
        assertTrue(info.allOnline(Set.of("10.0.0.2:6379")));
        assertFalse(info.allOnline(Set.of("10.0.0.2:6379", "10.0.0.3:6379")), "in an initial sync");
        assertFalse(info.allOnline(Set.of("10.0.0.4:6379")), "not connected");
        assertFalse(info.allAcknowledged(Set.of("10.0.0.2:6379"), 500), "two lines for one address: the lower counts");
    }
}
