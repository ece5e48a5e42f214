package io.captier.it;

import io.captier.cluster.app.Client;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology.Node;
import io.captier.version.Hlc;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consistent profile (docs/architecture.md C1-C4) on the real topology, two instances, node faults
 * in order: linearizable reads across instances, idempotent retries, an unknown outcome,
 * a paused primary, a killed primary, promotion, and a fenced old primary.
 */
class ConsistentProfileIT extends TwoInstances {

    @Override
    String mode() {
        return "consistent";
    }

    @Test
    @Order(1)
    void aWriteThroughOneInstanceIsReadThroughTheOther() {
        Client.Answer w = ca.write("greeting", "hello");
        assertEquals(200, w.status(), w.toString());
        assertEquals("primary", w.string("durability"));
        assertEquals("consistent", w.string("mode"));
        long wallMs = Hlc.wallMillis(w.version());
        assertTrue(Math.abs(System.currentTimeMillis() - wallMs) < 60_000, "the version is an HLC of now: " + wallMs);

        Client.Answer r = cb.read("greeting");
        assertEquals(200, r.status(), r.toString());
        assertEquals("hello", r.string("value"));
        assertEquals(w.version(), r.version());
        assertEquals("postgres-primary", r.string("source"));
        assertEquals(0, r.stalenessMs());
        assertEquals("consistent", r.header("X-Mode"));
        assertEquals("cp-b", r.header("X-Instance-Id"));
        assertEquals("postgres-primary", r.header("X-Served-By"));

        Client.Answer again = cb.write("greeting", "hello again");
        assertTrue(again.version() > w.version(), "a later write has a higher version");
        assertEquals("hello again", ca.read("greeting").string("value"));

        Client.Answer deleted = ca.delete("greeting");
        assertEquals(200, deleted.status(), deleted.toString());
        Client.Answer gone = cb.read("greeting");
        assertEquals(404, gone.status(), gone.toString());
        assertEquals("application/problem+json", gone.contentType());
        assertEquals(Boolean.TRUE, gone.json().get("deleted"));
        assertEquals(deleted.version(), Long.parseLong(gone.string("version")), "the tombstone is versioned");
    }

    @Test
    @Order(2)
    void binaryValuesRoundTripByteForByte() {
        byte[] value = new byte[4096];
        new Random(7).nextBytes(value);
        Client.Answer w = ca.writeBytes("blob", value, "Content-Type", "application/x-captier-test");
        assertEquals(200, w.status(), w.toString());
        Client.Answer json = cb.read("blob");
        assertEquals("base64", json.string("encoding"));
        assertEquals("application/x-captier-test", json.string("content_type"));
        assertArrayEquals(value, Base64.getDecoder().decode(json.string("value")));
        Client.Answer raw = cb.read("blob", "Accept", "application/octet-stream");
        assertEquals(200, raw.status());
        assertArrayEquals(value, raw.body());
    }

    @Test
    @Order(3)
    void aRetryWithTheSameIdempotencyKeyIsAppliedAtMostOnce() {
        String idem = UUID.randomUUID().toString();
        Client.Answer first = ca.write("idem", "one", "Idempotency-Key", idem);
        assertEquals(200, first.status(), first.toString());
        Client.Answer retry = cb.write("idem", "one", "Idempotency-Key", idem);
        assertEquals(200, retry.status(), retry.toString());
        assertEquals(first.version(), retry.version(), "the retry answers the first write");
        assertEquals("true", retry.header("Idempotent-Replayed"));
        assertEquals(first.version(), cb.read("idem").version(), "no second apply");

        Client.Answer other = ca.write("idem", "two", "Idempotency-Key", idem);
        assertEquals(422, other.status(), other.toString());
        assertEquals("urn:captier:problem:idempotency-key-reused", other.string("type"));
        assertEquals("one", ca.read("idem").string("value"));
    }

    @Test
    @Order(4)
    void aCommitWhoseAnswerIsLostIsUnknownAndItsRetryAppliesOnce() {
        // With synchronous replication a commit waits for the standby: pause it, and the
        // commit is sent but never answered within the network timeout.
        Node standby = stack.topology.pgStandby();
        String idem = UUID.randomUUID().toString();
        Client.Answer before = ca.write("unknown", "old");
        stack.topology.pause(standby);
        Client.Answer w;
        try {
            w = ca.write("unknown", "new", "Idempotency-Key", idem);
            assertEquals(503, w.status(), w.toString());
            assertEquals("unknown", w.string("outcome"), w.toString());
            assertEquals("urn:captier:problem:outcome-unknown", w.string("type"));
            assertNotNull(w.header("Retry-After"));
            assertTrue(w.millis() <= Stack.FAIL_FAST_MS, "answered in " + w.millis() + " ms");
        } finally {
            stack.topology.resume(standby);
        }
        Client.Answer retry = await("the retry succeeds").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> cb.write("unknown", "new", "Idempotency-Key", idem), r -> r.status() == 200);
        bothReady();
        Client.Answer read = ca.read("unknown");
        assertEquals("new", read.string("value"));
        assertEquals(retry.version(), read.version(), "whatever happened first, the write is applied once");
        assertTrue(retry.version() > before.version());
        List<List<String>> rows = stack.topology.sql(stack.topology.pgPrimary(),
                // Idempotency keys are scoped to the API key that sent them (its name, "tester").
                "SELECT count(*) FROM idempotency WHERE idem_key = 'tester:" + idem + "'");
        assertEquals("1", rows.get(0).get(0));
    }

    @Test
    @Order(5)
    void aPlainWriteIsOneAutocommitStatementSoALostAnswerIsUnknownNeverNotApplied() {
        // Without an idempotency key the upsert commits on its own: sending it is sending the
        // commit. The standby paused, the commit waits for it and the answer never comes.
        Node standby = stack.topology.pgStandby();
        Client.Answer before = ca.write("plain-unknown", "old");
        assertEquals(200, before.status(), before.toString());
        stack.topology.pause(standby);
        try {
            Client.Answer w = ca.write("plain-unknown", "new");
            assertEquals(503, w.status(), w.toString());
            assertEquals("urn:captier:problem:outcome-unknown", w.string("type"), w.toString());
            assertTrue(w.millis() <= Stack.FAIL_FAST_MS, "answered in " + w.millis() + " ms");
        } finally {
            stack.topology.resume(standby);
        }
        bothReady();
        // It had committed locally before waiting: once the standby is back it is there.
        Client.Answer read = await("the primary answers again").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300)).until(() -> cb.read("plain-unknown"), r -> r.status() == 200);
        assertEquals("new", read.string("value"), read.toString());
        assertTrue(read.version() > before.version());
    }

    @Test
    @Order(6)
    void aPausedPrimaryIsRefusedFastAndTheOpenBreakerRefusesAtOnce() {
        Node primary = stack.topology.pgPrimary();
        Client.Answer before = ca.write("paused", "before");
        assertEquals(200, before.status());
        stack.topology.pause(primary);
        try {
            for (int i = 0; i < 6; i++) {
                Client.Answer r = i % 2 == 0 ? ca.read("paused") : ca.write("paused", "during-" + i);
                assertEquals(503, r.status(), "never an answer the primary did not vouch for: " + r);
                assertNotNull(r.header("Retry-After"));
                assertTrue(r.millis() <= Stack.FAIL_FAST_MS, "refused in " + r.millis() + " ms");
            }
            Client.Answer refused = ca.read("paused");
            assertEquals(503, refused.status());
            assertTrue(refused.millis() < 500, "once the primary is known down, refusal is immediate: " + refused);
        } finally {
            stack.topology.resume(primary);
        }
        Client.Answer after = await("the primary is back").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> cb.read("paused"), r -> r.status() == 200);
        String value = after.string("value");
        assertTrue(value.equals("before") || value.startsWith("during-"),
                "a write refused as 'not applied' or applied: " + value);
    }

    @Test
    @Order(7)
    void aKilledPrimaryIsRefusedUntilPromotionAndTheOldOneStaysFenced() {
        Node oldPrimary = stack.topology.pgPrimary();
        Node standby = stack.topology.pgStandby();
        Client.Answer acked = ca.write("failover", "acknowledged");
        assertEquals(200, acked.status());

        stack.topology.kill(oldPrimary);
        List<Client.Answer> during = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            during.add(cb.read("failover"));
            during.add(ca.write("failover-" + i, "x"));
        }
        for (Client.Answer r : during) {
            assertTrue(r.millis() <= Stack.FAIL_FAST_MS, "refused in " + r.millis() + " ms");
            if (r.status() == 200 && r.json().containsKey("value")) {
                assertEquals("acknowledged", r.string("value"), "never a stale value");
            } else {
                assertEquals(503, r.status(), r.toString());
            }
        }

        stack.topology.promote(standby);
        Client.Answer after = await("writes succeed after the promotion").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300)).until(() -> ca.write("after", "promoted"), r -> r.status() == 200);
        bothReady();
        // A half-open breaker may still refuse a read (fast 503); what matters is what it serves.
        Client.Answer seen = await("the other instance serves the promoted primary").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200)).until(() -> cb.read("after"), r -> r.status() != 503);
        assertEquals(200, seen.status(), seen.toString());
        assertEquals(after.version(), seen.version());
        assertEquals("acknowledged", cb.read("failover").string("value"), "no acknowledged write lost");

        // The old primary comes back on its old timeline: a split brain waiting to happen.
        stack.topology.restart(oldPrimary);
        assertEquals("f", stack.topology.sql(oldPrimary, "SELECT pg_is_in_recovery()").get(0).get(0));
        await("both instances fence the old primary").atMost(Duration.ofSeconds(15)).until(() ->
                fenced(ca, oldPrimary) && fenced(cb, oldPrimary));
        for (int i = 0; i < 10; i++) {
            Client c = i % 2 == 0 ? ca : cb;
            Client.Answer w = c.write("fenced-" + i, "v" + i);
            assertEquals(200, w.status(), w.toString());
            assertEquals("v" + i, (i % 2 == 0 ? cb : ca).read("fenced-" + i).string("value"));
        }
        assertEquals("0", stack.topology.sql(oldPrimary, "SELECT count(*) FROM kv WHERE key LIKE 'fenced-%'").get(0).get(0),
                "the fenced primary took no write");
        assertEquals("10", stack.topology.sql(standby, "SELECT count(*) FROM kv WHERE key LIKE 'fenced-%'").get(0).get(0));

        // With the new primary down, the old one is the only primary left: still refused.
        stack.topology.kill(standby);
        Client.Answer refused = await().atMost(Duration.ofSeconds(10)).until(() -> ca.write("split", "brain"),
                r -> r.status() == 503);
        assertEquals("not-applied", refused.string("outcome"));
        assertEquals(503, cb.read("failover").status(), "no read from a fenced primary either");
        // The fence outlives a restart of the instance: it is kept on disk.
        a.restart();
        assertEquals(503, ca.write("split", "brain").status());
        assertEquals(503, ca.read("failover").status());
        assertEquals("0", stack.topology.sql(oldPrimary, "SELECT count(*) FROM kv WHERE key = 'split'").get(0).get(0));

        stack.topology.restart(standby);
        await("the promoted primary serves again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> ca.write("healed", "yes"), r -> r.status() == 200);
        stack.topology.recloneAsStandby(oldPrimary);
        bothReady();
        Client.Answer healed = cb.write("healed", "again");
        assertEquals(200, healed.status(), healed.toString());
        assertNotEquals(stack.topology.pgPrimary(), oldPrimary);
    }

    @SuppressWarnings("unchecked")
    private static boolean fenced(Client client, Node node) {
        List<?> nodes = client.getJson("/nodes", new com.fasterxml.jackson.core.type.TypeReference<List<Object>>() { });
        return nodes.stream().map(n -> (java.util.Map<String, Object>) n)
                .anyMatch(n -> n.get("node").equals(node.address()) && Boolean.TRUE.equals(n.get("fenced")));
    }
}
