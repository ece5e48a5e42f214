package io.captier.it;

import io.captier.cluster.app.AppEnv;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology.Kind;
import io.captier.cluster.topology.Topology.Node;
import io.captier.security.ApiKeys;
import io.captier.session.SessionToken;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Honest staleness and session guarantees of the available profile (docs/architecture.md A3, A4, A7)
 * with round-robin routing: two instances, a client alternating between them.
 */
class SessionGuaranteesIT extends TwoInstances {

    static final String SESSION = "X-Session-Token";

    @Override
    String mode() {
        return "available";
    }

    @Test
    @Order(1)
    void aSessionReadsItsWritesAndNeverGoesBackAcrossInstances() {
        String session = null;
        long lastVersion = 0;
        for (int i = 0; i < 40; i++) {
            Client writer = i % 2 == 0 ? ca : cb;
            Client reader = i % 2 == 0 ? cb : ca; // never the instance that took the write
            int n = i;
            Client.Answer w = withSession(session, s -> writer.write("ryw", "v" + n, s));
            assertEquals(200, w.status(), w.toString());
            session = w.header(SESSION);
            assertEquals(session, w.string("session"), "the write body carries the same token");
            Client.Answer r = withSession(session, s -> reader.read("ryw", s));
            assertEquals(200, r.status(), r.toString());
            assertTrue(r.version() >= w.version(), "read-your-writes: " + r + " after " + w);
            assertTrue(r.version() >= lastVersion, "monotonic reads");
            lastVersion = r.version();
            session = r.header(SESSION);
        }
    }

    @Test
    @Order(2)
    void aReplicaLeftBehindSaysHowFarAndNeverServesASessionItsOldValue() throws InterruptedException {
        Node detached = stack.topology.redisReplicas().get(0);
        Client.Answer old = ca.write("lagging", "old");
        await().atMost(Duration.ofSeconds(5)).until(() ->
                Long.toString(old.version()).equals(stack.topology.redis(detached, "HGET", "captier:kv:lagging", "ver").trim()));
        // Cut the replica off its master (it keeps its data and stays a replica) ...
        stack.topology.redis(detached, "REPLICAOF", "127.0.0.1", "1");
        Client.Answer w = ca.write("lagging", "new");
        long ackedAt = System.currentTimeMillis();
        String session = w.header(SESSION);
        // ... and leave it the only Redis source, with PostgreSQL out of reach too. The
        // sentinels are paused first so that they do not fail over meanwhile.
        List<Node> paused = new ArrayList<>(stack.topology.nodes().stream().filter(n -> n.kind() == Kind.SENTINEL).toList());
        paused.add(stack.topology.redisMaster());
        stack.topology.redisReplicas().stream().filter(n -> !n.equals(detached)).forEach(paused::add);
        paused.add(stack.topology.pgPrimary());
        paused.add(stack.topology.pgStandby());
        paused.forEach(stack.topology::pause);
        try {
            Thread.sleep(AppEnv.NETWORK_TIMEOUT_SEC * 1000L + 1500); // until the paused nodes count as gone
            for (int i = 0; i < 5; i++) {
                long sentAt = System.currentTimeMillis();
                Client.Answer r = cb.read("lagging");
                assertEquals(200, r.status(), "still answered: " + r);
                assertEquals("old", r.string("value"));
                assertTrue(List.of("redis-replica", "local-cache").contains(r.string("source")),
                        "the lagging replica, or what this instance remembers of it: " + r);
                assertTrue(r.stalenessMs() >= sentAt - ackedAt,
                        "staleness " + r.stalenessMs() + " ms covers the " + (sentAt - ackedAt) + " ms since the newer write");
                assertEquals(Boolean.TRUE, r.json().get("stale"), "beyond MAX_STALENESS_MS it says so");

                Client.Answer bounded = cb.read("lagging", "X-Max-Staleness-Ms", "500");
                assertEquals(503, bounded.status(), "no source within the required bound: " + bounded);

                Client.Answer elsewhere = cb.read("lagging", SESSION, session);
                assertEquals(503, elsewhere.status(), "a session that wrote 'new' never sees 'old': " + elsewhere);
                Client.Answer own = ca.read("lagging", SESSION, session);
                assertEquals(200, own.status(), own.toString());
                assertEquals("new", own.string("value"), "the writing instance remembers it");
                Thread.sleep(200);
            }
        } finally {
            paused.forEach(stack.topology::resume);
            stack.topology.redis(detached, "REPLICAOF", stack.topology.redisMaster().address().split(":")[0],
                    Integer.toString(stack.topology.redisMaster().port()));
        }
        Client.Answer caughtUp = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> cb.read("lagging", SESSION, session), r -> r.status() == 200);
        assertEquals("new", caughtUp.string("value"));
    }

    @Test
    @Order(3)
    void badTokensAreRefusedAndChangeNothing() {
        Client.Answer w = ca.write("tokens", "kept");
        String token = w.header(SESSION);
        String foreign = SessionToken.empty().observe("tokens", w.version())
                .encode("another deployment's secret, 32+ chars".getBytes(StandardCharsets.UTF_8));
        String[] bad = {token.substring(0, token.length() - 3), token.replace('.', '!'), "x".repeat(3000),
                flipOne(token), token + ".extra", "not-a-token", foreign};
        for (String t : bad) {
            Client.Answer r = cb.write("tokens", "changed", SESSION, t);
            assertEquals(400, r.status(), r.toString());
            assertEquals("urn:captier:problem:bad-session", r.string("type"));
            assertEquals(400, cb.read("tokens", SESSION, t).status());
        }
        // A token is bound to the API key it was issued to: replayed under another key it does not verify.
        Client.Answer replayedWrite = cb.as(Credentials.WRITE_ONLY).write("tokens", "changed", SESSION, token);
        assertEquals(400, replayedWrite.status(), replayedWrite.toString());
        assertEquals("urn:captier:problem:bad-session", replayedWrite.string("type"));
        assertEquals(400, cb.as(Credentials.READ_ONLY).read("tokens", SESSION, token).status());
        assertEquals(200, cb.read("tokens", SESSION, token).status(), "under its own key it still works");
        assertEquals("kept", ca.read("tokens").string("value"));
        assertNotEquals(token, flipOne(token));
    }

    /**
     * A rotation of SECRET_KEY and of an API key, mid-way (docs/runbook.md): an instance
     * already on the new secret and carrying the key's successor under the same name
     * accepts the sessions the old instances issued, under either key, and signs with the
     * new secret, which an instance not yet told of it refuses — why phase 1 comes first.
     */
    @Test
    @Order(4)
    void sessionsSurviveARotationOfSecretKeyAndOfAnApiKey() {
        Map<String, String> base = stack.env();
        String oldSecret = base.get("SECRET_KEY");
        String newKey = Credentials.token();
        AppInstance rotated = stack.instance("ap-rotated", mode(), Map.of(
                "SECRET_KEY", Credentials.token(),
                "SECRET_KEY_ACCEPTED", oldSecret,
                "API_KEYS", base.get("API_KEYS") + ",tester:read+write:" + HexFormat.of().formatHex(ApiKeys.sha256(newKey))));
        try {
            Client oldKey = new Client(rotated.baseUrl());
            Client.Answer w = ca.write("rotation", "before");
            String issuedBefore = w.header(SESSION);

            Client.Answer underOldKey = oldKey.read("rotation", SESSION, issuedBefore);
            assertEquals(200, underOldKey.status(), "a session from before the rotation: " + underOldKey);
            assertTrue(underOldKey.version() >= w.version(), "read-your-writes across the rotation");
            Client.Answer underNewKey = oldKey.as(newKey).write("rotation", "after", SESSION, issuedBefore);
            assertEquals(200, underNewKey.status(), "the new key is the same caller, so its sessions are too: " + underNewKey);

            String issuedAfter = underNewKey.header(SESSION);
            Client.Answer notYetRotated = ca.read("rotation", SESSION, issuedAfter);
            assertEquals(400, notYetRotated.status(), "an instance without the new secret refuses its tokens: " + notYetRotated);
            assertEquals("urn:captier:problem:bad-session", notYetRotated.string("type"));
            assertEquals(401, new Client(ca.baseUrl()).as(newKey).read("rotation").status(),
                    "nor does it know the new key");
        } finally {
            rotated.close();
        }
    }

    private static String flipOne(String token) {
        char[] c = token.toCharArray();
        c[5] = c[5] == 'A' ? 'B' : 'A';
        return new String(c);
    }

    private static Client.Answer withSession(String session, java.util.function.Function<String[], Client.Answer> call) {
        return call.apply(session == null ? new String[0] : new String[]{SESSION, session});
    }
}
