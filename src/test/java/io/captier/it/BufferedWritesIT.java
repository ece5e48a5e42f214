package io.captier.it;

import io.captier.cluster.app.AppEnv;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.Stack;
import io.captier.cluster.os.SmallDisk;
import io.captier.cluster.topology.Topology.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The available profile's buffers (docs/architecture.md A5, A6): writes accepted while PostgreSQL is
 * down go to the Redis pending stream, and with Redis down too to the instance's own hint
 * log; they survive a kill -9 of the instance and a corrupt log, and the reconciler
 * brings every acknowledged one into PostgreSQL with the last-writer-wins winner. A third
 * instance keeps its hint log on a small disk of its own, which the last step fills and
 * freezes: the write it cannot keep is refused (503), never acknowledged.
 */
class BufferedWritesIT extends TwoInstances {

    private SmallDisk disk;
    private AppInstance cdInstance;
    private Client cd;

    /** Per key, the acknowledged write that must win: highest version, then origin. */
    private final Map<String, Acked> winners = new ConcurrentHashMap<>();

    record Acked(String value, long version, String origin) {
        boolean beats(Acked other) {
            return other == null || version > other.version
                    || version == other.version && origin.compareTo(other.origin) > 0;
        }
    }

    @Override
    String mode() {
        return "available";
    }

    @Override
    void startMore() {
        disk = SmallDisk.mount(8);
        cdInstance = stack.instance("ap-disk", "available", Map.of("HINT_LOG_DIR", hintDir().toString()));
        cd = new Client(cdInstance.baseUrl());
    }

    @Override
    @AfterAll
    void stop() {
        super.stop(); // the instance first: a mounted file system it holds open cannot be unmounted
        if (disk != null) {
            disk.close();
        }
    }

    private Path hintDir() {
        return disk.root().resolve("hints");
    }

    @Test
    @Order(1)
    void everyAcknowledgedWriteReachesPostgresWithItsWinner() throws Exception {
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        for (int i = 0; i < 20; i++) {
            Client c = i % 2 == 0 ? ca : cb;
            assertDurability(write(c, "stream-" + i, "v" + i), "replicated-buffer", "local");
        }
        for (int i = 0; i < 5; i++) {
            write(ca, "twice-" + i, "first");
        }
        Thread.sleep(1500); // Redis' append-only file is fsync'd every second

        List<Node> redis = new ArrayList<>(stack.topology.redisReplicas());
        redis.add(0, stack.topology.redisMaster());
        redis.forEach(stack.topology::kill);
        for (int i = 0; i < 10; i++) {
            assertDurability(write(ca, "local-a-" + i, "v" + i), "local");
        }
        for (int i = 0; i < 5; i++) {
            assertDurability(write(ca, "twice-" + i, "second"), "local");
        }
        for (int i = 0; i < 6; i++) {
            assertDurability(write(cb, "local-b-" + i, "v" + i), "local");
        }

        // Both instances die; b's log is damaged in the middle (record 3) and at the tail.
        a.kill();
        b.kill();
        Path bLog = b.hintDir().resolve("hints.log");
        corruptPayloadOfRecord(bLog, 2);
        Files.write(bLog, new byte[]{(byte) 0xCA, (byte) 0x91, 0x4E, 0x17, 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        winners.remove("local-b-2"); // its only copy was in the record we broke
        a.restart();
        b.restart();
        String bStart = b.logTail(400);
        assertTrue(bStart.contains("HINT_LOG_CORRUPT"), "start-up reports the corrupt record");
        assertTrue(bStart.contains("HINT_LOG_TORN_TAIL"), "start-up reports the torn tail");
        assertTrue(ca.metric("ap_pending_writes{buffer=\"local\"}") >= 15, "a replays its own hint log after kill -9");

        redis.forEach(stack.topology::restart);
        stack.topology.restart(primary);
        await("every acknowledged write in PostgreSQL").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(this::postgresHoldsEveryWinner);
        assertEquals("0", stack.topology.sql(stack.topology.pgPrimary(), "SELECT count(*) FROM kv WHERE key = 'local-b-2'")
                .get(0).get(0), "the corrupt record was skipped, not half-applied");
        await("both buffers drained").atMost(Duration.ofSeconds(30)).until(() ->
                ca.metric("ap_pending_writes{buffer=\"local\"}") == 0 && cb.metric("ap_pending_writes{buffer=\"local\"}") == 0
                        && "0".equals(stack.topology.redis(stack.topology.redisMaster(), "XLEN", "captier:meta:pending").trim()));
        // ap-disk drains the shared pending stream too
        assertTrue(ca.metric("ap_reconciled_writes_total") + cb.metric("ap_reconciled_writes_total")
                + cd.metric("ap_reconciled_writes_total") >= winners.size());
    }

    @Test
    @Order(2)
    void concurrentWritersOnTwoInstancesAgreeOnTheWinnerEverywhere() throws Exception {
        winners.clear();
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        AtomicInteger accepted = new AtomicInteger();
        Thread[] writers = new Thread[2];
        for (int t = 0; t < 2; t++) {
            Client c = t == 0 ? ca : cb;
            String name = t == 0 ? "a" : "b";
            writers[t] = new Thread(() -> {
                for (int i = 0; i < 30; i++) {
                    if (write(c, "contended", name + "-" + i) != null) {
                        accepted.incrementAndGet();
                    }
                }
            });
            writers[t].start();
        }
        for (Thread w : writers) {
            w.join();
        }
        assertEquals(60, accepted.get(), "every write was accepted while PostgreSQL was down");
        stack.topology.restart(primary);
        await("reconciled").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(this::postgresHoldsEveryWinner);
        Acked winner = winners.get("contended");
        for (Node node : stack.topology.nodes()) {
            if (node.kind() == io.captier.cluster.topology.Topology.Kind.REDIS) {
                await().atMost(Duration.ofSeconds(10)).until(() -> Long.toString(winner.version())
                        .equals(stack.topology.redis(node, "HGET", "captier:kv:contended", "ver").trim()));
            }
        }
        for (Client c : List.of(ca, cb)) {
            Client.Answer r = await().atMost(Duration.ofSeconds(10))
                    .until(() -> c.read("contended"), x -> x.status() == 200 && x.version() == winner.version());
            assertEquals(winner.value(), r.string("value"));
        }
    }

    @Test
    @Order(3)
    void aHintLogThatCannotBeWrittenRefusesTheWriteAndLosesNothing() {
        winners.clear();
        Node primary = stack.topology.pgPrimary();
        List<Node> redis = new ArrayList<>(stack.topology.redisReplicas());
        redis.add(0, stack.topology.redisMaster());
        stack.topology.kill(primary);
        redis.forEach(stack.topology::kill);
        for (int i = 0; i < 5; i++) {
            assertDurability(write(cd, "disk-before-" + i, "v" + i), "local");
        }

        // A full disk still takes records into the hint log's last block, which is allocated
        // already (and fsync'd like any other): those are acknowledged and must be kept. The
        // first record that needs a new block is refused, and every one after it.
        disk.fill();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < 500 && refused.isEmpty(); i++) {
            Client.Answer w = cd.write("disk-full-" + i, "v" + i);
            if (w.status() == 200 || w.status() == 202) {
                remember("disk-full-" + i, "v" + i, w);
            } else {
                assertRefused(w); // the first refusal too: a 503 problem, never a 500
                refused.add("disk-full-" + i);
            }
        }
        assertEquals(1, refused.size(), "no write refused on a full disk");
        for (int i = 0; i < 5; i++) {
            refused.add("disk-full-again-" + i);
            assertRefused(cd.write("disk-full-again-" + i, "v" + i));
        }
        disk.free();
        for (int i = 0; i < 5; i++) {
            assertDurability(write(cd, "disk-freed-" + i, "v" + i), "local");
        }

        Path log = hintDir().resolve("hints.log");
        disk.freeze(log);
        for (int i = 0; i < 5; i++) {
            refused.add("disk-frozen-" + i);
            assertRefused(cd.write("disk-frozen-" + i, "v" + i));
        }
        disk.thaw(log);
        for (int i = 0; i < 5; i++) {
            assertDurability(write(cd, "disk-thawed-" + i, "v" + i), "local");
        }

        redis.forEach(stack.topology::restart);
        stack.topology.restart(primary);
        await("every acknowledged write in PostgreSQL").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(this::postgresHoldsEveryWinner);
        assertEquals("0", stack.topology.sql(stack.topology.pgPrimary(), "SELECT count(*) FROM kv WHERE key IN ('"
                + String.join("', '", refused) + "')").get(0).get(0), "a refused write changed nothing: " + refused);
    }

    /**
     * A write the Redis replicas did not confirm in time is answered {@code local}: it is in
     * the hint log and, unconfirmed, on the pending stream. With PostgreSQL still down, the
     * hint log lets it go once the replicas hold that copy (Reconciler#movedToStream), not
     * before and not never: the copy found again, by its Idempotency-Key's record or by its
     * version in the projection, is confirmed by a WAIT that covers it.
     */
    @Test
    @Order(4)
    void aWriteAnsweredLocalLeavesTheHintLogOnceTheReplicasHoldItsCopy() {
        winners.clear();
        Stack.awaitReady(a);
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        Node master = stack.topology.redisMaster();
        List<Node> replicas = cutOffRedisReplicas(master);
        try {
            Client.Answer keyed = ca.write("late-keyed", "v", "Idempotency-Key", "K-late-keyed");
            assertDurability(keyed, "local");
            remember("late-keyed", "v", keyed);
            assertDurability(write(ca, "late-plain", "v"), "local");
            assertEquals(2, ca.metric("ap_pending_writes{buffer=\"local\"}"), "both wait in the hint log");
        } finally {
            replicas.forEach(stack.topology::resume);
        }
        await("the hint log lets go, PostgreSQL still down").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> ca.metric("ap_pending_writes{buffer=\"local\"}") == 0);
        stack.topology.restart(primary);
        await("every acknowledged write in PostgreSQL").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(this::postgresHoldsEveryWinner);
    }

    /**
     * An entry the consumer group delivered that no consumer holds (acknowledged, never
     * deleted: what a settle cut short by a paused master left behind) is not stuck for good:
     * it is taken again, applied, and leaves the stream. The script below makes that state in
     * one step, so that no reconciler takes the entry first: it appends the entry and moves
     * the group past it without delivering it to anyone.
     */
    @Test
    @Order(5)
    void anEntryNoConsumerHoldsIsStillReconciled() {
        Node master = stack.topology.redisMaster();
        await("the stream empty").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> "0".equals(stack.topology.redis(master, "XLEN", "captier:meta:pending").trim()));
        List<String> made = stack.topology.redis(master, "EVAL", """
                local id = redis.call('XADD', KEYS[1], '*', 'key', 'orphan', 'ver', '7', 'o', 'orphan-test',
                                      'del', '0', 'ct', 'text/plain', 'v', 'kept')
                redis.call('XGROUP', 'SETID', KEYS[1], 'reconcilers', id)
                return {id, #redis.call('XPENDING', KEYS[1], 'reconcilers', id, id, 1)}""", "1", "captier:meta:pending")
                .lines().toList();
        assertTrue(made.size() == 2 && made.get(0).matches("\\d+-\\d+"), "the orphan made: " + made);
        assertEquals("0", made.get(1), "delivered to no consumer: " + made);
        await("the orphan reconciled and off the stream").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> "0".equals(stack.topology.redis(master, "XLEN", "captier:meta:pending").trim())
                        && List.of(List.of("7", "kept")).equals(stack.topology.sql(stack.topology.pgPrimary(),
                                "SELECT version, convert_from(value, 'UTF8') FROM kv WHERE key = 'orphan'")));
        await("the gauges say so").atMost(Duration.ofSeconds(10)).until(() ->
                ca.metric("ap_pending_writes{buffer=\"redis\"}") == 0 && cb.metric("ap_pending_writes{buffer=\"redis\"}") == 0);
    }

    /**
     * A buffer call the Redis master takes but does not answer in time may still run: here the
     * master holds client writes for longer than the network timeout (CLIENT PAUSE WRITE),
     * then runs the script. With the hint log unable to take the write, the answer is 503
     * outcome unknown, not "not applied": the retry on the other instance is answered as this
     * write's replay (found by the 40-minute soak with disks, on a delete).
     */
    @Test
    @Order(6)
    void aBufferCallLeftUnansweredIsAnOutcomeUnknownWhenTheHintLogCannotTakeIt() {
        winners.clear();
        Stack.awaitReady(a);
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        Node master = stack.topology.redisMaster();
        assertDurability(write(cd, "unanswered-before", "v"), "replicated-buffer");
        Path log = hintDir().resolve("hints.log");
        long pauseMs = AppEnv.NETWORK_TIMEOUT_SEC * 1000L + 2000;
        Client.Answer first;
        disk.freeze(log);
        try {
            stack.topology.redis(master, "CLIENT", "PAUSE", Long.toString(pauseMs), "WRITE");
            first = cd.write("unanswered", "v", "Idempotency-Key", "K-unanswered");
        } finally {
            disk.thaw(log);
        }
        assertEquals(503, first.status(), first.toString());
        assertEquals("application/problem+json", first.contentType(), first.toString());
        assertEquals("urn:captier:problem:outcome-unknown", first.string("type"), first.toString());
        assertEquals("unknown", first.string("outcome"), first.toString());

        await("the master runs the script once the pause ends").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "1".equals(stack.topology.redis(master, "EXISTS", "captier:meta:idem:tester:K-unanswered").trim()));
        // The pause held the other instance's heartbeats too: its retry must wait for Redis to be
        // its master again, or it is taken blind (docs/decisions.md, "A retry no store can check").
        remember("unanswered", "v", assertRetryOnAReplaysTheFirstAttempt("unanswered", "K-unanswered"));

        stack.topology.restart(primary);
        await("every acknowledged write in PostgreSQL").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(this::postgresHoldsEveryWinner);
    }

    /**
     * A write that loses last-writer-wins to a newer version only the master holds (its
     * replicas cut off) is not on the stream, yet its script has left the key's record with
     * this write's answer, which a retry is given. So when the hint log cannot keep it either,
     * the answer is 503 outcome unknown, not "not applied" (found by the 60-minute soak).
     */
    @Test
    @Order(7)
    void aWriteSupersededOnAnUnconfirmedMasterIsAnOutcomeUnknownWhenTheHintLogCannotTakeIt() {
        Stack.awaitReady(a);
        // the previous step's restarts may leave the disk instance's breaker open for a while;
        // a write it refuses before reaching the master would prove nothing here
        await("the disk instance trusts the master").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> cd.metric("circuit_breaker_state{breaker=\"redis-master\"}") == 0);
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        Node master = stack.topology.redisMaster();
        long newer = 2_000_000_000L << 32; // far above any version an instance issues now
        Path log = hintDir().resolve("hints.log");
        Client.Answer first;
        List<Node> replicas = cutOffRedisReplicas(master);
        try {
            stack.topology.redis(master, "HSET", "captier:kv:superseded", "v", "newer", "ct", "text/plain",
                    "ver", Long.toString(newer), "vh", Long.toString(newer >>> 32), "vl", "0", "o", "zz-test", "del", "0");
            disk.freeze(log);
            try {
                first = cd.write("superseded", "v", "Idempotency-Key", "K-superseded");
            } finally {
                disk.thaw(log);
            }
        } finally {
            replicas.forEach(stack.topology::resume);
        }
        assertEquals(503, first.status(), first.toString());
        assertEquals("urn:captier:problem:outcome-unknown", first.string("type"), first.toString());

        assertRetryOnAReplaysTheFirstAttempt("superseded", "K-superseded");
        stack.topology.restart(primary);
    }

    /**
     * A direct write whose commit got no answer (the synchronous standby paused) and that no
     * buffer can take (every Redis node down, so the call is refused before it is sent; the hint
     * log frozen) may be committed all the same: 503 outcome unknown, never "not applied". The
     * 60-minute soak of 5bea9ee found it answered "not applied", and its retry then answered by
     * the primary's claim; here the row is on the primary once the standby answers again.
     */
    @Test
    @Order(8)
    void aCommitWithNoAnswerThatNoBufferCanTakeStaysAnOutcomeUnknown() {
        await("the disk instance writes on the primary").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> cd.write("commit-unknown-before", "v"), w -> w.status() == 200);
        Node standby = stack.topology.pgStandby();
        List<Node> redis = new ArrayList<>(stack.topology.redisReplicas());
        redis.add(0, stack.topology.redisMaster());
        Path log = hintDir().resolve("hints.log");
        Client.Answer first;
        redis.forEach(stack.topology::kill);
        try {
            stack.topology.pause(standby);
            disk.freeze(log);
            try {
                first = cd.write("commit-unknown", "v");
            } finally {
                disk.thaw(log);
                stack.topology.resume(standby);
            }
        } finally {
            redis.forEach(stack.topology::restart);
        }
        assertEquals(503, first.status(), first.toString());
        assertEquals("urn:captier:problem:outcome-unknown", first.string("type"), first.toString());
        await("the commit on the primary").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> stack.topology.sql(stack.topology.pgPrimary(),
                        "SELECT convert_from(value, 'UTF8') FROM kv WHERE key = 'commit-unknown'"),
                        rows -> rows.size() == 1 && "v".equals(rows.get(0).get(0)));
    }

    /**
     * The retry of an outcome-unknown write on the other instance, once that instance trusts the
     * Redis master again (its breaker closed): a 202 replaying the first attempt, written by the
     * first attempt's instance. So the first attempt was kept, and "not applied" would have been false.
     *
     * @return the retry's answer
     */
    private Client.Answer assertRetryOnAReplaysTheFirstAttempt(String key, String idempotencyKey) {
        await("the other instance trusts the master").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> ca.metric("circuit_breaker_state{breaker=\"redis-master\"}") == 0);
        Client.Answer retry = ca.write(key, "v", "Idempotency-Key", idempotencyKey);
        assertEquals(202, retry.status(), retry.toString());
        assertEquals("true", retry.header("Idempotent-Replayed"), "the first attempt's replay: " + retry);
        assertEquals(cdInstance.env().get("INSTANCE_ID"), retry.string("origin"),
                "written by the first attempt's instance: " + retry);
        return retry;
    }

    /** A 503 problem that says the write was not applied: never a 202 the instance cannot keep. */
    private void assertRefused(Client.Answer w) {
        assertEquals(503, w.status(), "a write the hint log could not take: " + w);
        assertEquals("application/problem+json", w.contentType(), w.toString());
        assertEquals("not-applied", w.string("outcome"), w.toString());
        assertTrue(w.header("Retry-After") != null, "Retry-After: " + w);
        String body = new String(w.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(!body.contains(disk.root().toString()) && !body.contains("Exception"),
                "neither a file path nor an exception in the answer: " + body);
    }

    /** Write and remember the winner; null when the write was refused. */
    private Client.Answer write(Client c, String key, String value) {
        Client.Answer w = c.write(key, value);
        if (w.status() != 200 && w.status() != 202) {
            return null;
        }
        remember(key, value, w);
        return w;
    }

    /** An acknowledged write: the winner of its key if it beats the one remembered. */
    private void remember(String key, String value, Client.Answer w) {
        Acked acked = new Acked(value, w.version(), w.header("X-Instance-Id"));
        winners.merge(key, acked, (old, now) -> now.beats(old) ? now : old);
    }

    private static void assertDurability(Client.Answer w, String... allowed) {
        assertTrue(w != null && List.of(allowed).contains(w.string("durability")),
                "accepted into " + List.of(allowed) + ": " + w);
        assertEquals(202, w.status());
    }

    private void postgresHoldsEveryWinner() {
        Node primary = stack.topology.pgPrimary();
        Map<String, List<String>> rows = new HashMap<>();
        for (List<String> row : stack.topology.sql(primary,
                "SELECT key, version, convert_from(value, 'UTF8') FROM kv")) {
            rows.put(row.get(0), row);
        }
        for (Map.Entry<String, Acked> w : winners.entrySet()) {
            List<String> row = rows.get(w.getKey());
            assertTrue(row != null, "missing in PostgreSQL: " + w.getKey());
            assertEquals(Long.toString(w.getValue().version()), row.get(1), "version of " + w.getKey());
            assertEquals(w.getValue().value(), row.get(2), "value of " + w.getKey());
        }
    }

    /** Flip a byte in the payload of the n-th record (0-based): magic, length, CRC, payload. */
    private static void corruptPayloadOfRecord(Path log, int n) throws IOException {
        byte[] bytes = Files.readAllBytes(log);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int offset = 0;
        for (int i = 0; i < n; i++) {
            offset += 12 + buf.getInt(offset + 4);
        }
        bytes[offset + 12 + 20] ^= 0x55;
        Files.write(log, bytes);
    }
}
