package io.captier.topology;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NodeRoleTest {

    @Test
    void redisWordsBecomeTheFieldsTerms() {
        assertEquals(NodeRole.MASTER, NodeRole.ofRedisInfo("master"));
        assertEquals(NodeRole.REPLICA, NodeRole.ofRedisInfo("slave"));
        assertEquals(NodeRole.UNKNOWN, NodeRole.ofRedisInfo("sentinel"), "a data node answers master or slave only");
        assertEquals(NodeRole.UNKNOWN, NodeRole.ofRedisInfo(null));
    }

    @Test
    void postgresRecoveryIsAStandby() {
        assertEquals(NodeRole.STANDBY, NodeRole.ofPostgres(true));
        assertEquals(NodeRole.PRIMARY, NodeRole.ofPostgres(false));
    }

    @Test
    void wireNamesAreLowerCaseTerms() {
        assertEquals("replica", NodeRole.REPLICA.wireName());
        assertEquals("standby", NodeRole.STANDBY.toString(), "log events and metric labels print the wire name");
    }
}
