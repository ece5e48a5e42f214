package io.captier.cluster.container;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.Topology.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Self-check of the container topology: roles, replication and both failovers. Skipped, not
 * failed, where no Docker engine answers. The checks use only the {@link Topology} interface, so
 * they can be shared with the process topology; the tests run in order and each one asks the
 * topology for the current roles instead of assuming the ones the previous test left.
 */
@Testcontainers(disabledWithoutDocker = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerTopologyIT {

    private static Topology topology;

    @BeforeAll
    static void startTopology() {
        topology = ContainerTopology.start();
    }

    @AfterAll
    static void stopTopology() {
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    @Order(1)
    void startsWithTheDocumentedRolesAndEnvironment() {
        assertEquals(8, topology.nodes().size(), topology.describe());
        Node pgA = topology.node("pg-a");
        Node pgB = topology.node("pg-b");
        assertEquals(pgA, topology.pgPrimary(), topology.describe());
        assertEquals(pgB, topology.pgStandby(), topology.describe());
        assertEquals(List.of(List.of("streaming", "sync")), topology.sql(pgA,
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = 'pg-b'"));

        Node redisA = topology.node("redis-a");
        assertEquals(redisA, topology.redisMaster(), topology.describe());
        assertEquals(List.of(topology.node("redis-b"), topology.node("redis-c")), topology.redisReplicas());
        for (String sentinel : List.of("sentinel-a", "sentinel-b", "sentinel-c")) {
            String reply = topology.redis(topology.node(sentinel), "SENTINEL", "get-master-addr-by-name", "captier");
            assertEquals(List.of("127.0.0.1", String.valueOf(redisA.port())), reply.lines().toList(), sentinel);
        }
        assertEquals("PONG", topology.redis(topology.node("redis-b"), "PING"));

        Map<String, String> env = topology.storeEnv();
        assertEquals("jdbc:postgresql://" + pgA.address() + "," + pgB.address() + "/captier", env.get("DATABASE_URL"));
        assertEquals("captier", env.get("DATABASE_USER"));
        assertFalse(env.get("DATABASE_PASSWORD").isEmpty());
        assertEquals(topology.node("sentinel-a").address() + "," + topology.node("sentinel-b").address() + ","
                + topology.node("sentinel-c").address(), env.get("REDIS_SENTINELS"));
        assertEquals("captier", env.get("REDIS_MASTER_NAME"));
        assertFalse(env.get("REDIS_PASSWORD").isEmpty());
    }

    @Test
    @Order(2)
    void rowWrittenOnThePrimaryIsVisibleOnTheStandby() {
        Node primary = topology.pgPrimary();
        Node standby = topology.pgStandby();
        topology.sql(primary, "CREATE TABLE harness_check (id int PRIMARY KEY, v text)");
        topology.sql(primary, "INSERT INTO harness_check VALUES (1, 'written on primary')");
        // synchronous_commit=on waits for the standby's flush, not its replay: poll the standby
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(
                () -> topology.sql(standby, "SELECT v FROM harness_check WHERE id = 1"),
                rows -> rows.equals(List.of(List.of("written on primary"))));
    }

    @Test
    @Order(3)
    void sentinelsNameANewMasterAfterTheMasterIsKilled() {
        Node oldMaster = topology.redisMaster();
        topology.kill(oldMaster);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> !topology.redisMaster().equals(oldMaster));
        Node newMaster = topology.redisMaster();
        assertNotEquals(oldMaster, newMaster);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> topology.redis(newMaster, "INFO", "replication").contains("role:master"));
        assertEquals("OK", topology.redis(newMaster, "SET", "harness:after-failover", "1"));

        // the old master comes back as a replica of the new one, as the sentinels reconfigure it
        topology.restart(oldMaster);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> topology.redis(oldMaster, "INFO", "replication")
                        .contains("master_port:" + newMaster.port()));
        assertTrue(topology.redisReplicas().contains(oldMaster), topology.describe());
    }

    @Test
    @Order(4)
    void standbyPromotedAfterThePrimaryCrashesTakesWritesAndTheOldPrimaryRejoins() {
        Node oldPrimary = topology.pgPrimary();
        Node standby = topology.pgStandby();
        assertNotNull(standby, topology.describe());

        topology.kill(oldPrimary);
        topology.promote(standby);
        assertEquals(standby, topology.pgPrimary(), topology.describe());
        topology.sql(standby, "CREATE TABLE harness_failover (id int PRIMARY KEY)");
        topology.sql(standby, "INSERT INTO harness_failover VALUES (1)");
        assertEquals(List.of(List.of("1")), topology.sql(standby, "SELECT id FROM harness_failover"));

        topology.recloneAsStandby(oldPrimary);
        assertEquals(standby, topology.pgPrimary(), topology.describe());
        assertEquals(oldPrimary, topology.pgStandby(), topology.describe());
        assertEquals(List.of(List.of("streaming", "sync")), topology.sql(standby,
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = '" + oldPrimary.name() + "'"));
        topology.sql(standby, "INSERT INTO harness_failover VALUES (2)");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(
                () -> topology.sql(oldPrimary, "SELECT id FROM harness_failover ORDER BY id"),
                rows -> rows.equals(List.of(List.of("1"), List.of("2"))));
    }
}
