package io.captier.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.captier.client.ScriptedServer.drop;
import static io.captier.client.ScriptedServer.json;
import static io.captier.client.ScriptedServer.problem;
import static io.captier.client.ScriptedServer.value;
import static io.captier.client.ScriptedServer.written;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against scripted answers: retries, idempotency, preconditions, what goes on the wire. */
class ClientBehaviourTest {

    private static final long V1 = 7_331_234_567_890_123_457L; // above 2^53, as HLC versions are

    private ScriptedServer server;
    private CaptierClient client;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
        client = client(5, Duration.ofSeconds(3));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CaptierClient client(int attempts, Duration maxBackoff) {
        return CaptierClient.builder().baseUri(server.uri()).apiKey("k3y").maxAttempts(attempts)
                .initialBackoff(Duration.ofMillis(10)).maxBackoff(maxBackoff)
                .requestTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void aWriteIsRetriedAfterOutcomeUnknownAndADroppedConnectionWithTheSameIdempotencyKey() {
        server.then(problem(503, "outcome-unknown", "\"outcome\":\"unknown\""),
                drop(),
                written("k", V1, "Idempotent-Replayed", "true"));

        WriteResult w = client.write("k", "v");

        List<ScriptedServer.Request> sent = server.requests();
        assertEquals(3, sent.size());
        String key = sent.get(0).header("Idempotency-Key");
        UUID.fromString(key);
        for (ScriptedServer.Request r : sent) {
            assertEquals(key, r.header("Idempotency-Key"), "one key for the logical write");
            assertEquals("POST", r.method());
            assertEquals("/write/k", r.rawPath());
            assertEquals("v", r.text(), "the same request every time");
            assertEquals(CaptierClient.TEXT_UTF8, r.header("Content-Type"));
        }
        assertTrue(w.replayed());
        assertEquals(V1, w.version());
        assertEquals(key, w.idempotencyKey());
        assertEquals("primary", w.durability());
        assertFalse(w.buffered());
    }

    @Test
    void eachLogicalWriteHasAKeyOfItsOwn() {
        server.then(written("a", 1), written("a", 2));
        client.write("a", "1");
        client.write("a", "2");
        assertFalse(server.requests().get(0).header("Idempotency-Key").equals(server.requests().get(1).header("Idempotency-Key")));
    }

    @Test
    void aGivenIdempotencyKeyIsSent() {
        server.then(written("a", 1));
        client.write("a", new byte[]{1}, null, WriteOptions.defaults().withIdempotencyKey("resend-42"));
        assertEquals("resend-42", server.requests().get(0).header("Idempotency-Key"));
        assertEquals("application/octet-stream", server.requests().get(0).header("Content-Type"));
    }

    @Test
    void retryAfterIsHonoured() {
        server.then(problem(503, "unavailable", "\"outcome\":\"not-applied\"", "Retry-After", "1"), written("k", V1));
        long started = System.nanoTime();
        client.write("k", "v");
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(waitedMs >= 1000, "waited " + waitedMs + " ms");
        assertEquals(2, server.requests().size());
    }

    @Test
    void aRetryAfterLongerThanTheBoundEndsTheRetriesAndIsReported() {
        server.then(problem(503, "unavailable", "\"outcome\":\"not-applied\"", "Retry-After", "30"));
        UnavailableException e = assertThrows(UnavailableException.class, () -> client.write("k", "v"));
        assertEquals(1, server.requests().size());
        assertEquals(Duration.ofSeconds(30), e.retryAfter().orElseThrow());
        assertEquals("not-applied", e.outcome().orElseThrow());
        assertEquals(server.requests().get(0).header("Idempotency-Key"), e.idempotencyKey().orElseThrow());
    }

    @Test
    void atMostMaxAttemptsInAll() {
        server.otherwise(r -> problem(503, "unavailable", ""));
        UnavailableException e = assertThrows(UnavailableException.class, () -> client.read("k"));
        assertEquals(5, server.requests().size());
        assertEquals(5, e.attempts());
        assertTrue(e.idempotencyKey().isEmpty(), "a read has none");
    }

    @Test
    void sessionBehindRateLimitedAndNoInstanceAreRetried() {
        server.then(problem(503, "session-behind", ""), problem(429, "rate-limited", "", "Retry-After", "0"),
                problem(502, "no-instance", ""), value("k", "v", V1));
        assertEquals("v", client.read("k").orElseThrow().text());
        assertEquals(4, server.requests().size());
    }

    @Test
    void aWriteWhoseOutcomeStaysOpenIsOutcomeUnknownEvenIfTheLastAttemptWasNotApplied() {
        // The first attempt may have committed; "not-applied" speaks for the last one only.
        server.then(drop()).otherwise(r -> problem(503, "unavailable", "\"outcome\":\"not-applied\""));
        OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class, () -> client(3, Duration.ofMillis(50))
                .write("k", "v"));
        assertTrue(e.getCause() instanceof UnavailableException);
        assertEquals(3, e.attempts());
        assertEquals(server.requests().get(0).header("Idempotency-Key"), e.idempotencyKey().orElseThrow());
        assertEquals(503, e.status());
    }

    @Test
    void aWriteThatNeverReachedTheServiceIsConnectionFailed() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CaptierClient nowhere = CaptierClient.builder().baseUri("http://127.0.0.1:" + port).apiKey("k")
                .maxAttempts(2).initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(10)).build();
        ConnectionFailedException e = assertThrows(ConnectionFailedException.class, () -> nowhere.write("k", "v"));
        assertFalse(e.requestMaybeSent(), "refused: not sent, so not applied");
        assertEquals(0, e.status());
        assertEquals(2, e.attempts());
    }

    @Test
    void badRequestsAreNotRetried() {
        server.then(problem(400, "bad-key", ""));
        assertThrows(BadRequestException.class, () -> client.write("k", "v"));
        assertEquals(1, server.requests().size());
    }

    @Test
    void compareAndSetSendsIfMatchAndMapsTheMismatchWithTheCurrentVersion() {
        server.then(problem(412, "precondition-failed", "\"current_version\":\"" + (V1 + 1) + "\",\"exists\":true"));
        PreconditionFailedException e = assertThrows(PreconditionFailedException.class,
                () -> client.compareAndSet("k", V1, "new"));
        assertEquals("\"" + V1 + "\"", server.requests().get(0).header("If-Match"));
        assertNull(server.requests().get(0).header("If-None-Match"));
        assertEquals(V1 + 1, e.currentVersion().getAsLong());
        assertTrue(e.exists());
        assertEquals(1, server.requests().size(), "a mismatch is final");
    }

    @Test
    void theOtherPreconditionsGoOnTheWireAsRfc9110Says() {
        server.otherwise(r -> written("k", V1));
        client.createIfAbsent("k", "v");
        client.replaceIfPresent("k", "v");
        client.compareAndDelete("k", V1);
        client.deleteIfPresent("k");
        client.delete("k");
        List<ScriptedServer.Request> r = server.requests();
        assertEquals("*", r.get(0).header("If-None-Match"));
        assertNull(r.get(0).header("If-Match"));
        assertEquals("*", r.get(1).header("If-Match"));
        assertEquals("DELETE", r.get(2).method());
        assertEquals("\"" + V1 + "\"", r.get(2).header("If-Match"));
        assertEquals("*", r.get(3).header("If-Match"));
        assertNull(r.get(4).header("If-Match"));
        assertNull(r.get(4).header("If-None-Match"));
        assertEquals("/write/k", r.get(4).rawPath());
        assertTrue(r.stream().allMatch(x -> x.header("Idempotency-Key") != null), "deletes are writes");
    }

    @Test
    void aPreconditionOnTheAvailableProfileWithoutThePrimaryIsUnavailable() {
        server.otherwise(r -> problem(503, "unavailable", "\"outcome\":\"not-applied\"", "Retry-After", "60"));
        assertThrows(UnavailableException.class, () -> client.createIfAbsent("k", "v"));
    }

    @Test
    void aReadSendsTheOptionsAndDecodesTheAnswer() {
        server.then(value("a/b;c d+é%", "hello", V1, "X-Session-Token", "s1"));
        ReadResult r = client.read("a/b;c d+é%", ReadOptions.maxStalenessMs(250)).orElseThrow();

        ScriptedServer.Request sent = server.requests().get(0);
        assertEquals("GET", sent.method());
        assertEquals("/read/a%2Fb%3Bc%20d%2B%C3%A9%25", sent.rawPath(), "the key arrives as one encoded segment");
        assertEquals("250", sent.header("X-Max-Staleness-Ms"));
        assertEquals("Bearer k3y", sent.header("Authorization"));
        assertEquals("application/json", sent.header("Accept"));
        assertEquals("hello", r.text());
        assertEquals(V1, r.version());
        assertEquals("redis-replica", r.source());
        assertEquals(100, r.stalenessMs());
        assertFalse(r.stale());
        assertEquals("text/plain; charset=utf-8", r.contentType());
    }

    @Test
    void aBase64ValueIsDecoded() {
        server.then(json(200, "{\"key\":\"b\",\"value\":\"AP8=\",\"encoding\":\"base64\",\"content_type\":"
                + "\"application/octet-stream\",\"version\":\"5\",\"source\":\"postgres-primary\",\"staleness_ms\":0,"
                + "\"stale\":false,\"mode\":\"consistent\"}"));
        assertArrayEquals(new byte[]{0, (byte) 0xff}, client.read("b").orElseThrow().value());
    }

    @Test
    void anAbsentKeyIsEmptyAndReadRequiredShowsTheTombstone() {
        String tombstone = "\"source\":\"postgres-primary\",\"staleness_ms\":0,\"deleted\":true,\"version\":\"" + V1 + "\"";
        server.then(problem(404, "not-found", tombstone), problem(404, "not-found", tombstone));
        assertTrue(client.read("gone").isEmpty());
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.readRequired("gone", ReadOptions.defaults()));
        assertTrue(e.deleted());
        assertEquals(V1, e.tombstoneVersion().getAsLong());
        assertEquals(2, server.requests().size(), "a 404 is final");
    }

    @Test
    void theSessionTokenIsCarriedAndUpdatedByEveryAnswerThatHasOne() {
        server.then(written("k", 1), value("k", "v", 1, "X-Session-Token", "s2"),
                problem(404, "not-found", "", "X-Session-Token", "s3"), value("k", "v", 1), value("k", "v", 1));
        client.write("k", "v");
        client.read("k");
        client.read("other");
        client.read("k");
        client.read("k");
        List<ScriptedServer.Request> r = server.requests();
        assertNull(r.get(0).header("X-Session-Token"), "a new session sends none");
        assertEquals("session-after-1", r.get(1).header("X-Session-Token"));
        assertEquals("s2", r.get(2).header("X-Session-Token"));
        assertEquals("s3", r.get(3).header("X-Session-Token"), "a 404 carries a token too");
        assertEquals("s3", r.get(4).header("X-Session-Token"), "an answer without one keeps the last");
        assertEquals("s3", client.sessionToken().orElseThrow());
        client.resetSession();
        assertTrue(client.sessionToken().isEmpty());
    }

    @Test
    void aRetryCarriesTheTokenItsFailedAttemptBrought() {
        server.then(problem(503, "session-behind", "", "X-Session-Token", "fresher"), value("k", "v", 1));
        client.read("k");
        assertEquals("fresher", server.requests().get(1).header("X-Session-Token"));
    }

    @Test
    void concurrentCallsSendOnlyTokensTheyReceivedAndKeepTheLastOne() throws Exception {
        java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong();
        java.util.Set<String> issued = java.util.concurrent.ConcurrentHashMap.newKeySet();
        server.otherwise(r -> {
            String token = "t" + counter.incrementAndGet();
            issued.add(token);
            return value("k", "v", 1, "X-Session-Token", token);
        });
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(pool.submit(() -> client.read("k")));
        }
        for (var c : calls) {
            c.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(200, server.requests().size());
        for (ScriptedServer.Request r : server.requests()) {
            String sent = r.header("X-Session-Token");
            assertTrue(sent == null || issued.contains(sent), "sent " + sent);
        }
        assertTrue(issued.contains(client.sessionToken().orElseThrow()));
        // Sequential again: the next call sends exactly what the last answer brought.
        server.then(value("k", "v", 1, "X-Session-Token", "after"), value("k", "v", 1));
        client.read("k");
        client.read("k");
        assertEquals("after", server.requests().get(201).header("X-Session-Token"));
    }

    @Test
    void nodesAndBreakers() {
        server.then(json(200, "[{\"node\":\"pg-a\",\"kind\":\"postgres\",\"role\":\"primary\",\"reachable\":true,"
                        + "\"timeline\":1,\"fenced\":false,\"staleness_ms\":0},"
                        + "{\"node\":\"127.0.0.1:7001\",\"kind\":\"redis\",\"role\":\"replica\",\"reachable\":false,"
                        + "\"staleness_ms\":null}]"),
                json(200, "[{\"name\":\"postgres-primary\",\"state\":\"open\",\"failures\":4,\"successes\":0,"
                        + "\"prevented\":12,\"since\":\"2026-01-01T00:00:00Z\"}]"));
        List<NodeInfo> nodes = client.nodes();
        assertEquals(2, nodes.size());
        assertEquals("pg-a", nodes.get(0).node());
        assertEquals(0, nodes.get(0).stalenessMs().getAsLong());
        assertEquals(1, nodes.get(0).json().get("timeline").asInt());
        assertFalse(nodes.get(1).reachable());
        assertTrue(nodes.get(1).stalenessMs().isEmpty());
        List<BreakerInfo> breakers = client.breakers();
        assertEquals("open", breakers.get(0).state());
        assertEquals(12, breakers.get(0).prevented());
        assertEquals("/nodes", server.requests().get(0).rawPath());
        assertEquals("/circuit-breaker", server.requests().get(1).rawPath());
    }

    @Test
    void readinessIsProbedOnceWithoutTheKey() {
        server.then(json(503, "{\"status\":\"DOWN\"}"), json(200, "{\"status\":\"UP\"}"));
        assertFalse(client.ready());
        assertTrue(client.ready());
        assertEquals(2, server.requests().size());
        assertNull(server.requests().get(0).header("Authorization"));
        assertEquals("/health/ready", server.requests().get(0).rawPath());
    }

    @Test
    void aPathPrefixOfTheBaseUriIsKept() {
        server.then(written("k", 1));
        CaptierClient.builder().baseUri(server.uri() + "/captier/").apiKey("k").build().write("k", "v");
        assertEquals("/captier/write/k", server.requests().get(0).rawPath());
    }

    @Test
    void theBuilderRefusesWhatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> CaptierClient.builder().apiKey("k").build());
        assertThrows(IllegalArgumentException.class, () -> CaptierClient.builder().baseUri("ftp://h").apiKey("k").build());
        assertThrows(IllegalArgumentException.class, () -> CaptierClient.builder().baseUri("http://h").build());
        assertThrows(IllegalArgumentException.class, () -> CaptierClient.builder().baseUri("http://h").apiKey("a b").build());
        assertThrows(IllegalArgumentException.class, () -> CaptierClient.builder().baseUri("http://h").apiKey("k")
                .maxAttempts(0).build());
        assertThrows(IllegalArgumentException.class, () -> CaptierClient.builder().baseUri("http://h").apiKey("k")
                .initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(1)).build());
    }

    @Test
    void theApiKeyIsNeverShown() {
        CaptierClient c = CaptierClient.builder().baseUri(server.uri()).apiKey("s3cret-key").build();
        assertFalse(c.toString().contains("s3cret-key"));
        server.then(problem(401, "unauthenticated", ""));
        UnauthenticatedException e = assertThrows(UnauthenticatedException.class, () -> c.read("k"));
        assertFalse(e.getMessage().contains("s3cret-key"));
    }

    @Test
    void aKeyTheServiceCannotStoreIsRefusedBeforeSending() {
        assertThrows(IllegalArgumentException.class, () -> client.write("..", "v"));
        assertThrows(IllegalArgumentException.class, () -> client.read("bad\ud800"));
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void aBufferedWriteSaysSo() {
        server.then(json(202, "{\"key\":\"k\",\"version\":\"9\",\"origin\":\"available-1\",\"mode\":\"available\","
                + "\"durability\":\"replicated-buffer\",\"session\":\"s\"}"));
        WriteResult w = client.write("k", "v".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertTrue(w.buffered());
        assertEquals("replicated-buffer", w.durability());
        assertEquals(9, w.version());
    }
}
