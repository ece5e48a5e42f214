package io.captier.it;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compare-and-set (docs/architecture.md C5) on the real topology, both profiles: ETags on reads and
 * writes, If-Match / If-None-Match applied only when they hold (412 with what the key
 * holds otherwise, nothing changed), one winner among concurrent swaps from one version,
 * Idempotency-Key retries answered as the first time, and the available profile's refusal
 * when the primary, or a sight of the buffers, is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CompareAndSetIT {

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    private Stack stack;
    private Client cp;
    private Client ap;
    private AppInstance apInstance;

    @BeforeAll
    void start() {
        stack = Stack.start();
        cp = new Client(stack.instance("cas-cp", "consistent").baseUrl());
        apInstance = stack.instance("cas-ap", "available");
        ap = new Client(apInstance.baseUrl());
        stack.register(logs);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aSwapAppliesOnlyFromTheVersionItNames() {
        for (Client c : List.of(cp, ap)) {
            String k = "cas-swap-" + c.baseUrl().hashCode();
            Client.Answer first = c.write(k, "v1");
            assertEquals("\"" + first.version() + "\"", first.header("ETag"), "a write answers its ETag");
            Client.Answer read = c.read(k);
            assertEquals(first.header("ETag"), read.header("ETag"), "a read answers the value's ETag");

            Client.Answer swapped = c.write(k, "v2", "If-Match", first.header("ETag"));
            assertEquals(200, swapped.status(), swapped.toString());
            Client.Answer stale = c.write(k, "v3", "If-Match", first.header("ETag"));
            assertPreconditionFailed(stale, true, swapped.version());
            assertEquals("v2", cp.read(k).string("value"), "a refused swap changed nothing");

            assertPreconditionFailed(c.write(k, "again", "If-None-Match", "*"), true, swapped.version());
            assertEquals(200, c.delete(k, "If-Match", swapped.header("ETag")).status());
            assertPreconditionFailed(c.write(k, "v4", "If-Match", "*"), false, -1);
            Client.Answer created = c.write(k, "v5", "If-None-Match", "*");
            assertEquals(200, created.status(), "a tombstone can be created over: " + created);
            assertPreconditionFailed(c.delete(k, "If-Match", swapped.header("ETag")), true, created.version());
        }
    }

    @Test
    @Order(2)
    void malformedPreconditionsAre400AndChangeNothing() {
        Client.Answer w = cp.write("cas-bad", "v");
        for (String[] h : new String[][] {{"If-Match", "W/\"" + w.version() + "\""}, {"If-Match", Long.toString(w.version())},
                {"If-Match", "\"1\", \"2\""}, {"If-Match", "\"abc\""}, {"If-None-Match", "\"1\""},
                {"If-Match", "\"99999999999999999999999\""},
                // Found by a newcomer: an empty line (curl -H "If-Match: $UNSET") was read as no
                // header, and the write applied unconditionally; a tag is compared as written.
                {"If-Match", ""}, {"If-None-Match", ""}, {"If-Match", "\"0" + w.version() + "\""},
                {"If-Match", "\"+" + w.version() + "\""},
                // Two lines are a list (RFC 9110 5.3), whichever comes first.
                {"If-Match", w.header("ETag"), "If-Match", "\"1\""}, {"If-Match", "\"1\"", "If-Match", w.header("ETag")},
                {"If-None-Match", "*", "If-None-Match", "*"}}) {
            Client.Answer a = cp.write("cas-bad", "x", h);
            assertEquals(400, a.status(), h[0] + ": " + h[1] + " -> " + a);
            assertEquals("urn:captier:problem:bad-header", a.string("type"));
        }
        Client.Answer both = cp.send("POST", "/write/cas-bad/x", HttpRequest.BodyPublishers.noBody(),
                "If-Match", "*", "If-None-Match", "*");
        assertEquals(400, both.status(), both.toString());
        Client.Answer emptyDelete = cp.delete("cas-bad", "If-Match", "");
        assertEquals(400, emptyDelete.status(), emptyDelete.toString());
        assertEquals(w.version(), cp.read("cas-bad").version(), "nothing changed");
    }

    @Test
    @Order(3)
    void concurrentSwapsFromOneVersionHaveOneWinner() throws Exception {
        for (Client c : List.of(cp, ap)) {
            String k = "cas-race-" + c.baseUrl().hashCode();
            String etag = c.write(k, "start").header("ETag");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Client.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String value = "racer-" + i;
                answers.add(pool.submit(() -> c.write(k, value, "If-Match", etag)));
            }
            pool.shutdown();
            List<Client.Answer> won = new ArrayList<>();
            for (Future<Client.Answer> f : answers) {
                Client.Answer a = f.get();
                assertTrue(a.status() == 200 || a.status() == 412, a.toString());
                if (a.status() == 200) {
                    won.add(a);
                }
            }
            assertEquals(1, won.size(), "exactly one swap from " + etag + ": " + won);
            assertEquals(won.get(0).version(), cp.read(k).version());
        }
    }

    @Test
    @Order(4)
    void aRetriedSwapIsAnsweredAsTheFirstTime() {
        for (Client c : List.of(cp, ap)) {
            String k = "cas-retry-" + c.baseUrl().hashCode();
            String etag = c.write(k, "start").header("ETag");
            Client.Answer first = c.write(k, "next", "If-Match", etag, "Idempotency-Key", "cas-" + k);
            Client.Answer retry = c.write(k, "next", "If-Match", etag, "Idempotency-Key", "cas-" + k);
            assertEquals(200, retry.status(), "a retry is not refused by the change it made itself: " + retry);
            assertEquals("true", retry.header("Idempotent-Replayed"));
            assertEquals(first.version(), retry.version());
        }
    }

    @Test
    @Order(5)
    void theAvailableProfileRefusesWhatItCannotCheck() {
        // A buffered write the primary has not got yet: the projection is newer than the row.
        Client.Answer w = ap.write("cas-buffered", "row");
        Node master = stack.topology.redisMaster();
        long newer = w.version() + 1000;
        stack.topology.redis(master, "HSET", "captier:kv:cas-buffered", "ver", Long.toString(newer),
                "vh", Long.toString(newer >>> 32), "vl", Long.toString(newer & 0xffffffffL));
        Client.Answer pending = ap.write("cas-buffered", "x", "If-Match", w.header("ETag"));
        assertEquals(503, pending.status(), pending.toString());
        assertEquals("not-applied", pending.string("outcome"));
        assertTrue(pending.string("detail").contains("buffered write"), pending.toString());

        Node primary = stack.topology.pgPrimary();
        stack.topology.kill(primary);
        try {
            Client.Answer down = ap.write("cas-down", "x", "If-None-Match", "*");
            assertEquals(503, down.status(), down.toString());
            assertEquals("not-applied", down.string("outcome"));
            assertTrue(down.string("detail").contains("postgres-primary"), down.toString());
            assertEquals(202, ap.write("cas-down", "buffered").status(), "a plain write is still buffered");
            assertNull(ap.write("cas-down", "x", "If-None-Match", "*").header("ETag"), "and a conditional one refused");
        } finally {
            stack.topology.restart(primary);
        }
        await("the primary is back").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> cp.write("cas-after", "v").status() == 200);
    }

    /** The same family beyond preconditions: captier's own headers are one non-empty line each. */
    @Test
    @Order(6)
    void anEmptyOrRepeatedHeaderIsRefusedNeverIgnored() {
        for (Client c : List.of(cp, ap)) {
            String k = "empty-header-" + c.baseUrl().hashCode();
            for (String name : List.of("Idempotency-Key", "X-Session-Token", "If-Match", "If-None-Match")) {
                Client.Answer empty = c.write(k, "x", name, "");
                assertEquals(400, empty.status(), name + " empty: " + empty);
                assertEquals("urn:captier:problem:bad-header", empty.string("type"));
                Client.Answer twice = c.write(k, "x", name, "a", name, "b");
                assertEquals(400, twice.status(), name + " twice: " + twice);
            }
            Client.Answer bound = c.read(k, "X-Max-Staleness-Ms", "");
            assertEquals(400, bound.status(), "X-Max-Staleness-Ms empty: " + bound);
            assertEquals(404, c.read(k).status(), "nothing was written");
        }
    }

    private static void assertPreconditionFailed(Client.Answer a, boolean exists, long currentVersion) {
        assertEquals(412, a.status(), a.toString());
        assertEquals("urn:captier:problem:precondition-failed", a.string("type"));
        assertEquals("not-applied", a.string("outcome"));
        assertEquals(exists, a.json().get("exists"), a.toString());
        assertEquals(exists ? Long.toString(currentVersion) : null, a.string("current_version"), a.toString());
    }
}
