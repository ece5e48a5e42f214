package io.captier.it;

import io.captier.cluster.app.Client;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology.Node;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An Idempotency-Key holds through the buffers (docs/architecture.md A8), available profile, on the real
 * topology: the sequence (A with key K, B without, A with K again, C with K) on every
 * path a write can take (the Redis pending stream, the hint log, a retry on the other
 * instance, a retry after a restart replayed the hint log, the primary after
 * reconciliation), and each key applied once in PostgreSQL.
 */
class IdempotencyIT extends TwoInstances {

    @Override
    String mode() {
        return "available";
    }

    @Test
    @Order(1)
    void throughThePendingStreamARetryGetsTheFirstAnswerOnEitherInstance() {
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);

        Client.Answer a = ca.write("idem-stream", "A", "Idempotency-Key", "K1");
        assertBuffered(a, "replicated-buffer");
        assertBuffered(ca.write("idem-stream", "B"), "replicated-buffer");
        Client.Answer retry = ca.write("idem-stream", "A", "Idempotency-Key", "K1");
        assertReplayOf(a, retry);
        Client.Answer elsewhere = cb.write("idem-stream", "A", "Idempotency-Key", "K1");
        assertReplayOf(a, elsewhere);
        assertEquals(this.a.name(), elsewhere.string("origin"), "the first attempt's instance issued the version");
        assertReused(ca.write("idem-stream", "C", "Idempotency-Key", "K1"));
        assertReused(cb.write("idem-stream", "C", "Idempotency-Key", "K1"));
        assertEquals("B", ca.read("idem-stream").string("value"), "B, acknowledged after A, is not lost to a retry");

        stack.topology.restart(primary);
        awaitDrained();
        // The reconciler that drained the stream may be a's: b answers from the primary once its
        // own heartbeat has seen it back (until then the buffered answer is the right one).
        await("ap-b commits on the primary again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> cb.write("idem-stream-probe", "p").status() == 200);
        Client.Answer afterReconciliation = cb.write("idem-stream", "A", "Idempotency-Key", "K1");
        assertEquals(a.version(), afterReconciliation.version(), afterReconciliation.toString());
        assertEquals("true", afterReconciliation.header("Idempotent-Replayed"));
        assertEquals(200, afterReconciliation.status(), "reconciled since: the primary's answer is better");
        assertEquals("primary", afterReconciliation.string("durability"));
        assertFinal("idem-stream", "B");
        assertEquals(List.of(List.of(Long.toString(a.version()))),
                sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K1'"), "K1 applied once, at A's version");
    }

    @Test
    @Order(2)
    void throughTheHintLogARetryGetsTheFirstAnswerAlsoAfterARestart() {
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        List<Node> redis = redisDataNodes();
        redis.forEach(stack.topology::kill);

        Client.Answer a = ca.write("idem-local", "A", "Idempotency-Key", "K2");
        assertBuffered(a, "local");
        Client.Answer b = ca.write("idem-local", "B");
        assertBuffered(b, "local");
        assertReplayOf(a, ca.write("idem-local", "A", "Idempotency-Key", "K2"));
        assertReused(ca.write("idem-local", "C", "Idempotency-Key", "K2"));
        // With B's session: read-your-writes is the guarantee (without it, the standby's 404
        // within its honest staleness bound is a correct answer too, if the clock allows it).
        Client.Answer read = ca.read("idem-local", "X-Session-Token", b.header("X-Session-Token"));
        assertEquals("B", read.string("value"), read.toString());

        // kill -9: the hint log is all that remains, and replaying it remembers K2.
        this.a.kill();
        this.a.restart();
        // Not ready (no store can take a write but its disk), but answering.
        await("ap-a answers").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> ca.get("/health/live").status() == 200);
        Client.Answer afterRestart = ca.write("idem-local", "A", "Idempotency-Key", "K2");
        assertReplayOf(a, afterRestart);
        assertReused(ca.write("idem-local", "C", "Idempotency-Key", "K2"));

        redis.forEach(stack.topology::restart);
        stack.topology.restart(primary);
        awaitDrained();
        assertFinal("idem-local", "B");
        assertEquals(List.of(List.of(Long.toString(a.version()))),
                sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K2'"), "K2 applied once, at A's version");
    }

    /**
     * With both stores unreachable, an instance can check a key only against its own hint log,
     * so a retry on the other instance is taken (docs/decisions.md, Buffers). Reconciliation
     * still applies the key once: the first attempt to reach the primary.
     */
    @Test
    @Order(3)
    void aRetryNoStoreCouldCheckIsAppliedOnlyIfItsFirstAttemptIsNot() {
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        List<Node> redis = redisDataNodes();
        redis.forEach(stack.topology::kill);

        Client.Answer a = ca.write("idem-blind", "A", "Idempotency-Key", "K3");
        assertBuffered(a, "local");
        assertBuffered(ca.write("idem-blind", "B"), "local");
        Client.Answer blind = cb.write("idem-blind", "A", "Idempotency-Key", "K3");
        assertBuffered(blind, "local");
        assertNull(blind.header("Idempotent-Replayed"), "b cannot see a's hint log");

        // b is down while a drains: the first attempt reaches the primary first.
        this.b.kill();
        redis.forEach(stack.topology::restart);
        stack.topology.restart(primary);
        // Out of a's hint log is not yet in PostgreSQL: with Redis back first, the hint log moves
        // onto the pending stream. Wait until a's first attempt holds the key on the primary.
        await("a's writes on the primary").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> ca.metric("ap_pending_writes{buffer=\"local\"}") == 0
                        && List.of(List.of(Long.toString(a.version()))).equals(
                                sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K3'"))
                        && List.of(List.of("B")).equals(
                                sql("SELECT convert_from(value, 'UTF8') FROM kv WHERE key = 'idem-blind'")));
        this.b.restart();
        Stack.awaitReady(this.b);
        awaitDrained();
        assertFinal("idem-blind", "B");
        assertEquals(List.of(List.of(Long.toString(a.version()))),
                sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K3'"), "the later attempt was skipped");
    }

    @Test
    @Order(4)
    void concurrentDuplicatesOnBothInstancesApplyOnce() throws Exception {
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<Client.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Client c = i % 2 == 0 ? ca : cb;
            answers.add(pool.submit(() -> c.write("idem-concurrent", "A", "Idempotency-Key", "K4")));
        }
        pool.shutdown();
        Set<Long> versions = new HashSet<>();
        int replays = 0;
        for (Future<Client.Answer> f : answers) {
            Client.Answer w = f.get();
            assertTrue(w.status() == 202, w.toString());
            versions.add(w.version());
            replays += "true".equals(w.header("Idempotent-Replayed")) ? 1 : 0;
        }
        assertEquals(1, versions.size(), "one version for all twenty: " + versions);
        assertEquals(19, replays, "nineteen replays");
        stack.topology.restart(primary);
        awaitDrained();
        assertEquals(List.of(List.of(Long.toString(versions.iterator().next()))),
                sql("SELECT version FROM kv WHERE key = 'idem-concurrent'"));
    }

    /**
     * Found by the drill's staleness checker: an instance killed between its commit and its
     * write-through leaves the row and the key's claim in PostgreSQL and nothing in Redis.
     * The client's retry on another instance is a replay; it must project the write before
     * it is acknowledged, or a replica serves the older value with a bound that does not
     * count it.
     */
    @Test
    @Order(5)
    void aReplayProjectsTheWriteItsFirstInstanceDidNotLiveToProject() {
        // The primary restarted in the step before: an available instance is ready without it, and
        // its breaker may still be open, which would buffer the retry (202) rather than replay it.
        await("the primary takes writes on both").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> ca.write("idem-warm", "x").status() == 200 && cb.write("idem-warm", "y").status() == 200);
        assertEquals(200, ca.write("idem-projected", "old").status());
        Client.Answer first = ca.write("idem-projected", "A", "Idempotency-Key", "K5");
        assertEquals(200, first.status(), first.toString());
        Node master = stack.topology.redisMaster();
        stack.topology.redis(master, "DEL", "captier:kv:idem-projected", "captier:meta:idem:tester:K5");
        Client.Answer retry = cb.write("idem-projected", "A", "Idempotency-Key", "K5");
        assertReplayOf(first, retry);
        assertEquals(Long.toString(first.version()),
                stack.topology.redis(master, "HGET", "captier:kv:idem-projected", "ver").trim(),
                "the acknowledged replay is in Redis");
    }

    /**
     * Found in review: a retry answered from the Redis record of a first attempt whose copy
     * only the master holds. ap-a dies inside the first attempt, after the script put the copy
     * and the key's record on the master and before its replicas confirmed it (they are
     * paused) or its hint log took it. The retry on ap-b must not be told
     * {@code replicated-buffer}: a failover to a replica loses that copy. ap-b keeps the write
     * in its own hint log under the first attempt's version and answers {@code local}; the
     * failover then happens, and the write still reaches PostgreSQL.
     */
    @Test
    @Order(6)
    void aRetryIsNotToldReplicatedBufferForACopyOnlyTheMasterHolds() {
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        Node master = stack.topology.redisMaster();
        List<Node> replicas = stack.topology.redisReplicas();
        int landed = 0;
        Client.Answer retry;
        try {
            // The kill must land inside ap-a's WAIT (NETWORK_TIMEOUT_SEC / 2), and the WAIT runs only
            // while ap-a still takes the paused replicas for online: the sentinels flag them down
            // after a second, and ap-a then answers "not confirmed" at once (ReplicaConfirmation#held).
            // On a loaded machine either can be missed. Such an attempt proves nothing; a few are
            // allowed, each on keys of its own and from replicas running again, and the step fails
            // if none lands.
            for (int attempt = 1; landed == 0 && attempt <= 3; attempt++) {
                replicas.forEach(stack.topology::resume);
                if (attempt > 1) {
                    this.a.restart(); // its hint log keeps the last attempt's write: it reconciles later
                }
                await("ap-a's buffered writes confirmed by the replicas").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> "replicated-buffer".equals(ca.write("idem-unconfirmed-probe", "p").string("durability")));
                // Paused, not disconnected: the master still lists them online, so ap-a's WAIT waits for them.
                replicas.forEach(stack.topology::pause);
                if (killedInsideTheWait(master, "idem-unconfirmed-" + attempt, "K6-" + attempt)) {
                    landed = attempt;
                }
            }
            assertTrue(landed > 0, "in three attempts, ap-a was never killed inside its write, "
                    + "before it heard the replicas did not confirm");
            String key = "K6-" + landed;
            retry = cb.write("idem-unconfirmed-" + landed, "A", "Idempotency-Key", key);
            assertEquals(202, retry.status(), retry.toString());
            assertEquals("true", retry.header("Idempotent-Replayed"), retry.toString());
            assertEquals("local", retry.string("durability"), "the replicas do not hold the first attempt's copy: " + retry);
            assertEquals(1, cb.metric("ap_pending_writes{buffer=\"local\"}"), "ap-b keeps it in its hint log");
            stack.topology.kill(master);
        } finally {
            replicas.forEach(stack.topology::resume);
        }
        await("the sentinels promote a replica").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> !stack.topology.redisMaster().equals(master));
        // The promoted replica never held the first attempt's copy: only ap-b's hint log has the
        // write now (it moves it onto the new master's stream, or into PostgreSQL once back).
        stack.topology.restart(master);
        stack.topology.restart(primary);
        this.a.restart();
        String row = "idem-unconfirmed-" + landed;
        await("the write in PostgreSQL, at the first attempt's version").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> List.of(List.of(Long.toString(retry.version()), "A")).equals(
                        sql("SELECT version, convert_from(value, 'UTF8') FROM kv WHERE key = '" + row + "'")));
        assertEquals(List.of(List.of(Long.toString(retry.version()))),
                sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K6-" + landed + "'"), "K6-" + landed + " applied once");
    }

    /**
     * Sends ap-a a write with {@code idemKey} and kills ap-a as soon as the key's record is on the
     * master, while the paused replicas keep its WAIT waiting.
     *
     * @return true when the kill came inside the WAIT (the record still says {@code replicated-buffer});
     *         false when ap-a had already heard the replicas did not confirm, and answered, or its
     *         record never reached the master
     */
    private boolean killedInsideTheWait(Node master, String row, String idemKey) {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            one.submit(() -> ca.write(row, "A", "Idempotency-Key", idemKey));
            String record = "captier:meta:idem:tester:" + idemKey;
            try {
                await("the first attempt's record on the master").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> "1".equals(stack.topology.redis(master, "EXISTS", record).trim()));
            } catch (ConditionTimeoutException neverThere) {
                this.a.kill(); // its write went elsewhere (its hint log): this attempt proves nothing
                return false;
            }
            this.a.kill();
            return "replicated-buffer".equals(stack.topology.redis(master, "HGET", record, "dur").trim());
        } finally {
            one.shutdownNow();
        }
    }

    /**
     * ap-a buffers the first attempt on the Redis stream while the primary is down; then Redis
     * stops answering (every data node paused) and the primary is back. The retry on ap-b
     * cannot ask Redis for the key's record: committed on the primary it would claim the key
     * at a second acknowledged version, and reconciliation would then skip the first (the
     * drill's majority ring found it: ap-b saw the primary, not the Redis master). ap-b takes
     * it blind into its hint log and reconciles it only once Redis can be asked, which shows
     * the first attempt: the key is applied at ap-a's version.
     */
    @Test
    @Order(7)
    void aRetryThatCannotAskRedisDoesNotClaimTheKeyOverItsBufferedFirstAttempt() {
        await("ap-b commits on the primary").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> cb.write("idem-committed-probe", "p").status() == 200);
        Client.Answer committed = cb.write("idem-committed", "A", "Idempotency-Key", "K8");
        assertEquals(200, committed.status(), committed.toString());
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        // After step 6's failover the replicas may still be resyncing: a buffer they confirm first.
        await("the replicas confirm buffered writes").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> "replicated-buffer".equals(ca.write("idem-unseen-probe", "q").string("durability")));
        Client.Answer a = ca.write("idem-unseen", "A", "Idempotency-Key", "K7");
        assertBuffered(a, "replicated-buffer");
        List<Node> redis = redisDataNodes();
        redis.forEach(stack.topology::pause);
        try {
            stack.topology.restart(primary);
            await("ap-b commits on the primary again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cb.write("idem-unseen-probe", "p").status() == 200);
            Client.Answer retry = cb.write("idem-unseen", "A", "Idempotency-Key", "K7");
            assertEquals(202, retry.status(), "not committed over a first attempt Redis may hold: " + retry);
            assertEquals("local", retry.string("durability"), retry.toString());
            // On ap-a, which buffered the first attempt itself, the retry is that attempt, kept
            // in its hint log too (the replicas cannot be asked now): its version, local.
            Client.Answer again = ca.write("idem-unseen", "A", "Idempotency-Key", "K7");
            assertEquals(202, again.status(), again.toString());
            assertEquals("true", again.header("Idempotent-Replayed"), again.toString());
            assertEquals(a.version(), again.version(), "the first attempt's version: " + again);
            assertEquals("local", again.string("durability"), again.toString());
            // A first attempt the primary committed is still found there (the soak found it
            // answered as a new local write instead).
            assertReplayOf(committed, cb.write("idem-committed", "A", "Idempotency-Key", "K8"));
            // The reconciler runs every 250 ms: the retry must wait in the hint log for Redis.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                    .until(() -> sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K7'").isEmpty());
        } finally {
            redis.forEach(stack.topology::resume);
        }
        awaitDrained();
        assertEquals(List.of(List.of(Long.toString(a.version()), "A")),
                sql("SELECT version, convert_from(value, 'UTF8') FROM kv WHERE key = 'idem-unseen'"),
                "the first acknowledged attempt is the one applied");
        assertEquals(List.of(List.of(Long.toString(a.version()))),
                sql("SELECT version FROM idempotency WHERE idem_key = 'tester:K7'"), "K7 applied once, at ap-a's version");
        assertEquals(List.of(List.of(Long.toString(committed.version()))),
                sql("SELECT version FROM kv WHERE key = 'idem-committed'"), "K8 applied once");
    }

    private List<Node> redisDataNodes() {
        List<Node> redis = new ArrayList<>(stack.topology.redisReplicas());
        redis.add(0, stack.topology.redisMaster());
        return redis;
    }

    private void awaitDrained() {
        await("both buffers drained").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                ca.metric("ap_pending_writes{buffer=\"local\"}") == 0 && cb.metric("ap_pending_writes{buffer=\"local\"}") == 0
                        && "0".equals(stack.topology.redis(stack.topology.redisMaster(), "XLEN",
                        "captier:meta:pending").trim()));
    }

    private void assertFinal(String key, String value) {
        assertEquals(List.of(List.of(value)), sql("SELECT convert_from(value, 'UTF8') FROM kv WHERE key = '" + key + "'"),
                key + " in PostgreSQL");
        for (Client c : List.of(ca, cb)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> value.equals(c.read(key).string("value")));
        }
    }

    private List<List<String>> sql(String query) {
        return stack.topology.sql(stack.topology.pgPrimary(), query);
    }

    private static void assertBuffered(Client.Answer w, String durability) {
        assertEquals(202, w.status(), w.toString());
        assertEquals(durability, w.string("durability"), w.toString());
        assertNull(w.header("Idempotent-Replayed"), w.toString());
    }

    private static void assertReplayOf(Client.Answer first, Client.Answer retry) {
        assertEquals(first.status(), retry.status(), retry.toString());
        assertEquals("true", retry.header("Idempotent-Replayed"), retry.toString());
        assertEquals(first.version(), retry.version(), "the same version: " + retry);
        assertEquals(first.string("durability"), retry.string("durability"), retry.toString());
    }

    private static void assertReused(Client.Answer w) {
        assertEquals(422, w.status(), w.toString());
        assertEquals("urn:captier:problem:idempotency-key-reused", w.string("type"));
    }
}
