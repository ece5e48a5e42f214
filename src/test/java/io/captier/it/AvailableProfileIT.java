package io.captier.it;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.topology.Topology.Node;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The available profile (docs/architecture.md A1-A5) on the real topology: two available instances and
 * one consistent instance over the same stores, with Redis and PostgreSQL nodes failing.
 */
class AvailableProfileIT extends TwoInstances {

    Client consistent;

    @Override
    String mode() {
        return "available";
    }

    /** A consistent instance over the same stores: the contrast of the two contracts. */
    @Override
    void startMore() {
        consistent = new Client(stack.instance("cp-x", "consistent").baseUrl());
    }

    @Test
    @Order(1)
    void readsComeFromTheFastestFreshSourceAndSayHowStale() {
        Client.Answer w = ca.write("colour", "blue");
        assertEquals(200, w.status(), w.toString());
        assertEquals("primary", w.string("durability"));
        Client.Answer r = await().atMost(Duration.ofSeconds(5)).until(() -> cb.read("colour"),
                x -> x.status() == 200 && x.string("source").startsWith("redis"));
        assertEquals("blue", r.string("value"));
        assertEquals(w.version(), r.version());
        assertEquals(Boolean.FALSE, r.json().get("stale"));
        assertTrue(r.stalenessMs() >= 0 && r.stalenessMs() <= 1000, r.toString());
        assertEquals(r.string("source"), r.header("X-Served-By"));
        assertEquals(Long.toString(r.stalenessMs()), r.header("X-Staleness-Ms"));
        assertEquals("available", r.header("X-Mode"));
    }

    @Test
    @Order(2)
    void aConsistentWriteIsSeenByAvailableReadsWithinTheStalenessTheyReport() {
        Client.Answer w = consistent.write("shared", "from-cp");
        assertEquals(200, w.status(), w.toString());
        long ackedAt = System.currentTimeMillis();
        Client.Answer r = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> ca.read("shared"), x -> {
                    if (x.status() == 200 && "from-cp".equals(x.string("value"))) {
                        return true;
                    }
                    // Not seen yet: the answer must admit it may be at least that far behind.
                    long behind = System.currentTimeMillis() - ackedAt - x.millis();
                    assertTrue(x.stalenessMs() >= behind,
                            "an answer without the acknowledged write claims to be fresher than it is: " + x);
                    return false;
                });
        assertEquals(w.version(), r.version());
    }

    @Test
    @Order(3)
    void theProjectionNeverTakesALowerVersion() throws IOException {
        Client.Answer w = ca.write("guarded", "new");
        Node master = stack.topology.redisMaster();
        String script;
        try (InputStream in = AvailableProfileIT.class.getResourceAsStream("/redis/put-entry.lua")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        long lower = w.version() - 1;
        String applied = stack.topology.redis(master, "EVAL", script, "2", "captier:kv:guarded", "captier:meta:pending",
                Long.toString(lower), Long.toString(lower >>> 32), Long.toString(lower & 0xffffffffL), "zz-test", "0",
                "text/plain", "old", "0", "guarded");
        assertEquals("0", applied.trim(), "a lower version is refused");
        assertEquals(Long.toString(w.version()),
                stack.topology.redis(master, "HGET", "captier:kv:guarded", "ver").trim());
        long higher = w.version() + 1;
        assertEquals("1", stack.topology.redis(master, "EVAL", script, "2", "captier:kv:guarded", "captier:meta:pending",
                Long.toString(higher), Long.toString(higher >>> 32), Long.toString(higher & 0xffffffffL), "zz-test", "0",
                "text/plain", "newer", "0", "guarded").trim());
    }

    @Test
    @Order(4)
    void aPausedReplicaIsSkippedAndItsStalenessKeepsRising() throws InterruptedException {
        ca.write("steady", "1");
        Node replica = stack.topology.redisReplicas().get(0);
        stack.topology.pause(replica);
        try {
            Thread.sleep(500);
            long first = staleness(ca, replica);
            Thread.sleep(1500);
            long second = staleness(ca, replica);
            assertTrue(second >= first + 1000, "staleness of a paused replica rises: " + first + " -> " + second);
            for (int i = 0; i < 20; i++) {
                Client.Answer r = ca.read("steady");
                assertEquals(200, r.status(), r.toString());
                assertTrue(r.stalenessMs() <= 1000, "served by a fresh source: " + r);
            }
            Client.Answer bounded = ca.read("steady", "X-Max-Staleness-Ms", "1000");
            assertEquals(200, bounded.status(), "a fresh source meets a bound the paused replica cannot: " + bounded);
            // Even the primary may miss a write another instance buffered since this one last
            // looked at the pending stream (docs/decisions.md, "Staleness and reads").
            Client.Answer strict = ca.read("steady", "X-Max-Staleness-Ms", "0");
            assertEquals(503, strict.status(), "no source of the available profile is 0 ms behind: " + strict);
        } finally {
            stack.topology.resume(replica);
        }
    }

    @Test
    @Order(5)
    void killingTheRedisMasterNeverFailsARequest() throws InterruptedException {
        Node oldMaster = stack.topology.redisMaster();
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        Thread[] clients = new Thread[4];
        for (int t = 0; t < clients.length; t++) {
            Client c = t % 2 == 0 ? ca : cb;
            int id = t;
            clients[t] = new Thread(() -> {
                int i = 0;
                while (running.get()) {
                    String key = "failover-" + id + "-" + (i % 20);
                    Client.Answer r = i % 3 == 0 ? c.write(key, "v" + i) : c.read(key);
                    answered.incrementAndGet();
                    if (!(r.status() == 200 || r.status() == 202 || r.status() == 404)) {
                        failures.add(r.toString());
                    }
                    i++;
                }
            });
            clients[t].start();
        }
        Thread.sleep(1000);
        stack.topology.kill(oldMaster);
        await("the sentinels elect a new master").atMost(Duration.ofSeconds(30))
                .until(() -> !stack.topology.redisMaster().equals(oldMaster));
        Thread.sleep(3000);
        running.set(false);
        for (Thread t : clients) {
            t.join();
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + answered.get() + " failed: " + failures);
        assertTrue(answered.get() > 100, "traffic ran: " + answered.get());

        // The instances follow the new master by themselves: writes are written through again.
        Node newMaster = stack.topology.redisMaster();
        Client.Answer w = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> ca.write("after-redis-failover", "yes"), x -> x.status() == 200 && Long.toString(x.version())
                        .equals(stack.topology.redis(newMaster, "HGET", "captier:kv:after-redis-failover", "ver").trim()));
        assertEquals("primary", w.string("durability"));
        stack.topology.restart(oldMaster);
    }

    @Test
    @Order(6)
    void writesRedisLostInAFailoverAreNeverPassedOffAsFresh() throws InterruptedException {
        Client.Answer old = ca.write("lost", "old");
        assertEquals(200, old.status(), old.toString());
        Thread.sleep(300);
        Node master = stack.topology.redisMaster();
        List<Node> replicas = stack.topology.redisReplicas();
        // Only the master gets the next write: cut its replicas off (paused, so they cannot
        // reconnect), and a failover to one of them loses it.
        replicas.forEach(stack.topology::pause);
        stack.topology.redis(master, "CLIENT", "KILL", "TYPE", "replica");
        Client.Answer w;
        long ackedAt;
        try {
            w = ca.write("lost", "new");
            ackedAt = System.currentTimeMillis();
            assertEquals(200, w.status(), w.toString());
            stack.topology.kill(master);
        } finally {
            replicas.forEach(stack.topology::resume);
        }
        await("a new master").atMost(Duration.ofSeconds(30)).until(() -> !stack.topology.redisMaster().equals(master));
        long until = System.currentTimeMillis() + 4000;
        while (System.currentTimeMillis() < until) {
            for (Client c : List.of(ca, cb)) {
                long sentAt = System.currentTimeMillis();
                Client.Answer r = c.read("lost");
                assertEquals(200, r.status(), r.toString());
                if (!"new".equals(r.string("value"))) {
                    assertTrue(r.stalenessMs() >= sentAt - ackedAt,
                            "served the value Redis lost as if fresh: " + r + ", acknowledged " + (sentAt - ackedAt) + " ms ago");
                }
            }
            Thread.sleep(100);
        }
        // The projection is resynced from PostgreSQL: Redis serves the write again.
        await("redis resynced").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cb.read("lost"), r -> "new".equals(r.string("value")) && r.string("source").startsWith("redis"));
        stack.topology.restart(master);
    }

    @Test
    @Order(7)
    void anEmptiedRedisIsRefilledFromPostgresAndNeverAnswersMeanwhile() {
        Client.Answer w = ca.write("refilled", "kept");
        assertEquals(200, w.status(), w.toString());
        Node master = stack.topology.redisMaster();
        stack.topology.redis(master, "FLUSHALL");
        for (int i = 0; i < 20; i++) {
            Client.Answer r = (i % 2 == 0 ? ca : cb).read("refilled");
            assertEquals(200, r.status(), "an emptied projection is no reason for a 404: " + r);
            assertEquals("kept", r.string("value"));
        }
        await("the projection is refilled").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> Long.toString(w.version()).equals(
                        stack.topology.redis(stack.topology.redisMaster(), "HGET", "captier:kv:refilled", "ver").trim()));
        await().atMost(Duration.ofSeconds(10)).until(() -> cb.read("refilled"),
                r -> r.status() == 200 && r.string("source").startsWith("redis"));
    }

    /**
     * An instance that dies with its projection gap open leaves the gap published in its
     * PostgreSQL heartbeat row. While it beats, the gap counts in every Redis node's bound on
     * the other instances; once it has stopped beating (10 s at HEARTBEAT_MS 100) they take the
     * gap over and resync it (Projection.exchangeGaps): Redis is fresh again and holds the write
     * it missed. Without the takeover the bound would grow for ever and the write never reach Redis.
     */
    @Test
    @Order(8)
    void theGapOfAnInstanceThatDiedIsTakenOverAndResynced() {
        // A consistent instance that cannot reach Redis: each write it commits opens a gap,
        // published before the answer.
        AppInstance cutOff = stack.instance("cp-no-redis", "consistent", Map.of("REDIS_SENTINELS", "127.0.0.1:1"));
        Node master = stack.topology.redisMaster();
        long before = staleness(cb, master);
        assertTrue(before < 1000, "Redis in step before the write: " + before);
        try {
            Client.Answer w = new Client(cutOff.baseUrl()).write("orphaned", "gap");
            assertEquals(200, w.status(), w.toString());
            await("the live instance's gap counts here").atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(200))
                    .until(() -> staleness(cb, master) > 1500);
        } finally {
            cutOff.kill();
        }
        Client.Answer r = await("the dead instance's gap taken over and resynced").atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofMillis(250)).until(() -> cb.read("orphaned"),
                        x -> x.status() == 200 && x.string("source").startsWith("redis") && x.stalenessMs() < 1000);
        assertEquals("gap", r.string("value"), r.toString());
    }

    @Test
    @Order(9)
    void withThePostgresPrimaryKilledReadsComeFromElsewhereAndWritesAreBuffered() {
        ca.write("durable", "committed");
        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        for (int i = 0; i < 20; i++) {
            Client.Answer r = (i % 2 == 0 ? ca : cb).read("durable");
            assertEquals(200, r.status(), r.toString());
            assertEquals("committed", r.string("value"));
            assertNotEquals("postgres-primary", r.string("source"));
        }
        Client.Answer w = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> ca.write("buffered", "while-down"), x -> x.status() == 202);
        assertTrue(List.of("replicated-buffer", "local").contains(w.string("durability")), w.toString());
        Client.Answer r = cb.read("buffered");
        assertEquals(200, r.status(), r.toString());
        assertEquals("while-down", r.string("value"));
        assertEquals(w.version(), r.version());
        assertTrue(stack.topology.redis(stack.topology.redisMaster(), "XLEN", "captier:meta:pending").trim()
                .matches("[1-9][0-9]*"), "the write waits on the pending stream");
        Client.Answer strict = ca.read("durable", "X-Max-Staleness-Ms", "0");
        assertEquals(503, strict.status(), "no source is 0 ms behind: " + strict);
        assertNotNull(strict.header("Retry-After"));
        Client.Answer refused = consistent.write("buffered", "cp");
        assertEquals(503, refused.status(), "the consistent profile refuses meanwhile: " + refused);
    }

    /**
     * With no PostgreSQL node in reach and Redis past MAX_STALENESS_MS (its bound grows while
     * the instance cannot see the gaps others publish), a key never written is still answered:
     * 404 from Redis, flagged stale, not 503. The soak found the 503 on brand-new keys. But not
     * from an emptied projection, which may miss any key (review found it).
     */
    @Test
    @Order(10)
    void aKeyNeverWrittenIsAnsweredStaleWhenNothingIsWithinTheBound() {
        stack.topology.kill(stack.topology.pgStandby());
        await("Redis past the bound").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cb.read("durable"), r -> r.status() == 200 && "true".equals(r.header("X-Stale")));
        Client.Answer r = cb.read("never-written");
        assertEquals(404, r.status(), "a stale miss is an answer: " + r);
        assertTrue(r.header("X-Served-By").startsWith("redis"), r.toString());
        assertEquals("true", r.header("X-Stale"), r.toString());
        assertTrue(r.stalenessMs() > 1000, r.toString());
        Client.Answer strict = cb.read("never-written", "X-Max-Staleness-Ms", "1000");
        assertEquals(503, strict.status(), "a required bound still refuses: " + strict);
        // An emptied projection may miss any key: its miss is no answer, however stale.
        Node master = stack.topology.redisMaster();
        stack.topology.redis(master, "FLUSHALL");
        await("the emptied projection noticed, the heartbeat back").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200)).until(() -> staleness(cb, master) > 1_000_000_000L);
        Client.Answer unknown = cb.read("never-written");
        assertEquals(503, unknown.status(), "a miss of an emptied projection is no answer: " + unknown);
    }

    private static long staleness(Client client, Node node) {
        return client.nodeStalenessMs(node.address());
    }
}
