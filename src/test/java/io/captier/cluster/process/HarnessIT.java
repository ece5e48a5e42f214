package io.captier.cluster.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.os.Processes;
import io.captier.cluster.topology.Topology.Node;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Self-test of the process harness on one topology, step by step: roles, replication, a Redis
 * failover and rejoin, a PostgreSQL failover, fencing evidence and reclone, pause/resume, and that
 * close leaves nothing running. The service as a child process on a topology: {@code AppInstanceIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HarnessIT {

    private ProcessTopology topology;

    @BeforeAll
    void startTopology() {
        long t0 = System.nanoTime();
        topology = ProcessTopology.start();
        System.out.printf("topology up in %d ms:%n%s%n", (System.nanoTime() - t0) / 1_000_000, topology.describe());
    }

    @AfterAll
    void closeTopology() {
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    @Order(1)
    void rolesAfterStart() {
        assertEquals(ProcessTopology.PG_A, topology.pgPrimary().name());
        assertEquals(ProcessTopology.PG_B, topology.pgStandby().name());
        Node master = topology.redisMaster();
        assertEquals("redis-a", master.name());
        assertEquals(List.of("redis-b", "redis-c"), topology.redisReplicas().stream().map(Node::name).toList());
        assertTrue(topology.redis(master, "INFO", "replication").contains("connected_slaves:2"));

        Map<String, String> env = topology.storeEnv();
        assertEquals("jdbc:postgresql://" + topology.node("pg-a").address() + "," + topology.node("pg-b").address()
                + "/captier", env.get("DATABASE_URL"));
        assertEquals("captier", env.get("DATABASE_USER"));
        assertEquals("captier", env.get("REDIS_MASTER_NAME"));
        assertFalse(env.get("DATABASE_PASSWORD").isBlank());
        assertFalse(env.get("REDIS_PASSWORD").isBlank());
        assertEquals(3, env.get("REDIS_SENTINELS").split(",").length);
    }

    @Test
    @Order(2)
    void standbyIsSynchronous() {
        assertEquals(List.of(List.of("pg-b", "streaming", "sync")), topology.sql(topology.pgPrimary(),
                "SELECT application_name, state, sync_state FROM pg_stat_replication"));
    }

    @Test
    @Order(3)
    void writesOnPrimaryReachStandby() {
        Node primary = topology.pgPrimary();
        topology.sql(primary, "CREATE TABLE harness (k text PRIMARY KEY, v text)");
        topology.sql(primary, "INSERT INTO harness VALUES ('first', 'on " + primary.name() + "')");
        assertEquals(List.of(List.of("first", "on pg-a")), topology.sql(primary, "SELECT k, v FROM harness"));
        Node standby = topology.pgStandby();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(List.of("on pg-a")),
                topology.sql(standby, "SELECT v FROM harness WHERE k = 'first'")));
        // and the standby refuses writes
        assertThrows(IllegalStateException.class, () -> topology.sql(standby, "INSERT INTO harness VALUES ('x', 'y')"));
    }

    @Test
    @Order(4)
    void redisMasterKilledSentinelsFailOverAndOldMasterRejoins() {
        Node old = topology.redisMaster();
        assertEquals("OK", topology.redis(old, "SET", "harness", "before-failover"));
        assertEquals("2", topology.redis(old, "WAIT", "2", "2000"));

        topology.kill(old);
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> !topology.redisMaster().equals(old));
        Node master = topology.redisMaster();
        System.out.printf("sentinels named %s after %d ms%n", master.name(), (System.nanoTime() - t0) / 1_000_000);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertTrue(topology.redis(master, "INFO", "replication").contains("role:master")));
        assertEquals("before-failover", topology.redis(master, "GET", "harness"));

        topology.restart(old);
        // On a loaded machine the sentinels may fail over once more meanwhile: follow whoever is master now.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String info = topology.redis(old, "INFO", "replication");
            assertTrue(info.contains("role:slave"), info);
            assertTrue(info.contains("master_port:" + topology.redisMaster().port()), info);
            assertTrue(info.contains("master_link_status:up"), info);
        });
        assertTrue(topology.redisReplicas().contains(old));
    }

    @Test
    @Order(5)
    void postgresFailoverFencingEvidenceAndReclone() {
        Node oldPrimary = topology.pgPrimary();
        Node standby = topology.pgStandby();
        topology.sql(oldPrimary, "INSERT INTO harness VALUES ('before-failover', 'x')");

        topology.kill(oldPrimary);
        assertEquals(standby, topology.pgStandby());
        topology.promote(standby);
        assertEquals(standby, topology.pgPrimary());
        // asynchronous now (no standby left): a write must not hang
        topology.sql(standby, "INSERT INTO harness VALUES ('after-failover', 'x')");
        assertEquals(List.of(List.of("2")), topology.sql(standby, "SELECT count(*) FROM harness WHERE k <> 'first'"));

        // the old primary comes back as a primary on the old timeline: the highest timeline still wins
        topology.restart(oldPrimary);
        assertEquals(List.of(List.of("f")), topology.sql(oldPrimary, "SELECT pg_is_in_recovery()"));
        assertEquals(standby, topology.pgPrimary());
        long oldTimeline = timeline(oldPrimary);
        long newTimeline = timeline(standby);
        assertTrue(oldTimeline < newTimeline, "timelines old " + oldTimeline + " new " + newTimeline);

        topology.recloneAsStandby(oldPrimary);
        assertEquals(standby, topology.pgPrimary());
        assertEquals(oldPrimary, topology.pgStandby());
        assertEquals(List.of(List.of(oldPrimary.name(), "streaming", "sync")), topology.sql(standby,
                "SELECT application_name, state, sync_state FROM pg_stat_replication"));
        topology.sql(standby, "INSERT INTO harness VALUES ('after-reclone', 'x')");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(List.of("after-failover"),
                List.of("after-reclone"), List.of("before-failover"), List.of("first")),
                topology.sql(oldPrimary, "SELECT k FROM harness ORDER BY k")));
    }

    /** What scripts/ctl relies on: a paused standby is still found as the standby, and a
     *  reclone that cannot finish refuses before it changes anything. */
    @Test
    @Order(6)
    void aPausedStandbyKeepsItsRoleAndAnImpossibleRecloneChangesNothing() {
        Node primary = topology.pgPrimary();
        Node standby = topology.pgStandby();
        assertThrows(IllegalStateException.class, () -> topology.recloneAsStandby(primary));
        assertEquals(primary, topology.pgPrimary(), "the primary was left as it was");
        assertEquals(List.of(List.of("1")), topology.sql(primary, "SELECT 1"));

        topology.pause(standby);
        try {
            assertNull(topology.pgStandby(), "a paused standby does not answer");
            assertEquals(standby, topology.pgStandbyLastKnown());
            String line = topology.describe().lines().filter(l -> l.startsWith(standby.name() + " ")).findFirst()
                    .orElseThrow();
            assertTrue(line.contains("standby") && line.contains("PAUSED"), line);
        } finally {
            topology.resume(standby);
        }
        assertEquals(standby, topology.pgStandby());
    }

    private long timeline(Node primary) {
        String walFile = topology.sql(primary, "SELECT pg_walfile_name(pg_current_wal_lsn())").get(0).get(0);
        return Long.parseLong(walFile.substring(0, 8), 16);
    }

    @Test
    @Order(7)
    void pausedReplicaDoesNotAnswerUntilResumed() {
        Node replica = topology.redisReplicas().get(0);
        topology.pause(replica);
        assertTrue(topology.describe().contains("PAUSED"));
        assertThrows(UncheckedIOException.class, () -> topology.redis(replica, "PING"));
        topology.resume(replica);
        assertEquals("PONG", topology.redis(replica, "PING"));
    }

    @Test
    @Order(100)
    void closeLeavesNothingRunning() {
        Map<Long, Long> processes = new LinkedHashMap<>(topology.startedProcesses());
        // PostgreSQL backends are in their own process groups: check them too
        for (Long pid : List.copyOf(processes.keySet())) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d ->
                    processes.put(d.pid(), Processes.startTime(d.pid()))));
        }
        assertTrue(processes.size() >= 8, "started processes: " + processes);
        Path dir = topology.baseDir();

        topology.close();

        processes.forEach((pid, start) -> assertFalse(Processes.isAlive(pid, start), "process " + pid + " still alive"));
        assertFalse(Files.exists(dir), dir + " still exists");
        topology = null;
    }
}
