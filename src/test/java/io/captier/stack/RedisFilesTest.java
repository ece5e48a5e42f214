package io.captier.stack;

import io.captier.cluster.devstack.RedisFromFiles;
import io.captier.cluster.devstack.StackFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * redis/ as docker-compose.yml and k8s/ run it: a master, a replica and a sentinel started by
 * redis/start.sh from the real configs (127.0.0.1, free ports, temp data directories). The
 * settings chosen on purpose are in force, the password from the environment protects the nodes
 * and reaches the replica and the sentinel, restarted members rejoin the group as it is, and a
 * master without a replica refuses writes.
 */
class RedisFilesTest {

    static RedisFromFiles redis;
    static int master;
    static int replica;
    static int sentinel;

    @BeforeAll
    static void start() {
        redis = new RedisFromFiles();
        master = redis.server("master", Map.of());
        replica = redis.server("replica", Map.of("REDIS_REPLICAOF", "127.0.0.1:" + master));
        sentinel = redis.sentinel("sentinel", Map.of("REDIS_MASTER_HOST", "127.0.0.1",
                "REDIS_MASTER_PORT", Integer.toString(master)));
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theChosenSettingsAreInForceOnEveryDataNode() {
        for (int port : new int[] {master, replica}) {
            assertEquals("appendonly\nyes", config(port, "appendonly"));
            assertEquals("appendfsync\neverysec", config(port, "appendfsync"));
            assertEquals("min-replicas-to-write\n1", config(port, "min-replicas-to-write"));
            assertEquals("min-replicas-max-lag\n5", config(port, "min-replicas-max-lag"));
            assertEquals("replica-serve-stale-data\nyes", config(port, "replica-serve-stale-data"));
            assertEquals("maxmemory-policy\nnoeviction", config(port, "maxmemory-policy"));
        }
    }

    @Test
    void thePasswordComesFromTheEnvironmentAndProtectsTheNodes() throws IOException {
        assertTrue(redis.call(master, false, "GET", "x").contains("NOAUTH"), "no answer without the password");
        await("the replica authenticates to the master (masterauth)").atMost(Duration.ofSeconds(15)).until(() ->
                redis.call(replica, true, "INFO", "replication").contains("master_link_status:up"));
        assertFalse(Files.readString(StackFiles.project().path("redis/redis.conf")).contains(redis.password()));
        Path written = redis.dataDir("master").resolve("redis.conf");
        assertTrue(Files.readString(written).contains("requirepass " + redis.password()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(written)),
                "the file holding the password is the server's alone");
    }

    @Test
    void theSentinelMonitorsTheMasterWithItsPassword() {
        // the sentinel learns the replica from INFO on the master: that needs auth-pass
        await("the sentinel lists the replica").atMost(Duration.ofSeconds(20)).until(() ->
                redis.call(sentinel, false, "SENTINEL", "REPLICAS", "captier").contains(Integer.toString(replica)));
        String m = redis.call(sentinel, false, "SENTINEL", "MASTER", "captier");
        assertTrue(m.contains("flags\nmaster\n"), m);
        assertTrue(m.contains("quorum\n2"), m);
        assertTrue(m.contains("down-after-milliseconds\n5000"), m);
    }

    @Test
    void restartedMembersAskTheSentinelsWhoTheMasterIs() {
        // a data node told nothing but the sentinels follows the master they name
        int rejoined = redis.server("rejoined", Map.of("REDIS_SENTINELS", "127.0.0.1:" + sentinel));
        await().atMost(Duration.ofSeconds(15)).until(() -> redis.call(rejoined, true, "INFO", "replication")
                .contains("master_port:" + master));
        // a sentinel pointed at the wrong node monitors the master the other sentinels name
        int second = redis.sentinel("sentinel-2", Map.of("REDIS_SENTINELS", "127.0.0.1:" + sentinel,
                "REDIS_MASTER_HOST", "127.0.0.1", "REDIS_MASTER_PORT", Integer.toString(replica)));
        assertEquals("127.0.0.1\n" + master, redis.call(second, false, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "captier"));
    }

    /** min-replicas-to-write: a master without enough replicas in sync stops taking writes. */
    @Test
    void writesAreRefusedWithFewerReplicasInSyncThanRequired() {
        await("writes accepted once the replica is in sync").atMost(Duration.ofSeconds(15))
                .until(() -> redis.call(master, true, "SET", "before", "1").equals("OK"));
        redis.call(master, true, "CONFIG", "SET", "min-replicas-to-write", "3");
        try {
            await("writes refused while fewer replicas than required are in sync").atMost(Duration.ofSeconds(15))
                    .until(() -> redis.call(master, true, "SET", "alone", "1").contains("NOREPLICAS"));
        } finally {
            redis.call(master, true, "CONFIG", "SET", "min-replicas-to-write", "1");
        }
    }

    private static String config(int port, String name) {
        return redis.call(port, true, "CONFIG", "GET", name).strip();
    }
}
