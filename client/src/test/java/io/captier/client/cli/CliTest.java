package io.captier.client.cli;

import io.captier.client.ScriptedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static io.captier.client.ScriptedServer.json;
import static io.captier.client.ScriptedServer.problem;
import static io.captier.client.ScriptedServer.value;
import static io.captier.client.ScriptedServer.written;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI in-process, against scripted answers: output, exit codes, where the API key may come from. */
class CliTest {

    private static final long V1 = 7_331_234_567_890_123_457L;

    private ScriptedServer server;
    private final Map<String, String> env = new HashMap<>();
    private byte[] stdin = new byte[0];
    private String out;
    private String err;
    private byte[] outBytes;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
        env.put("CAPTIER_TOKEN", "cli-key");
        env.put("CAPTIER_URL", server.uri().toString());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new CaptierCli(env, new ByteArrayInputStream(stdin), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8)).run(args);
        outBytes = o.toByteArray();
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void getPrintsOneLinePerFact() {
        server.then(value("greeting", "hello", V1));
        assertEquals(0, run("get", "greeting"));
        assertTrue(out.contains("value:") && out.contains("hello"), out);
        assertTrue(out.contains("version:      " + V1), out);
        assertTrue(out.contains("source:       redis-replica"), out);
        assertTrue(out.contains("staleness-ms: 100"), out);
        assertEquals("Bearer cli-key", server.requests().get(0).header("Authorization"));
        assertEquals("", err);
    }

    @Test
    void getJsonPrintsTheServicesJsonAndRawTheBytes() {
        server.then(value("k", "hello", V1), value("k", "hello", V1));
        assertEquals(0, run("--json", "get", "k"));
        assertTrue(out.startsWith("{\"key\":\"k\",\"value\":\"hello\""), out);
        assertTrue(out.contains("\"version\":\"" + V1 + "\""), "the version stays a string: " + out);
        assertEquals(0, run("get", "k", "--raw"));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), outBytes);
    }

    @Test
    void getSendsMaxStalenessAndTheEncodedKey() {
        server.then(value("a/b", "v", 1));
        assertEquals(0, run("get", "--max-staleness-ms", "250", "a/b c"));
        assertEquals("250", server.requests().get(0).header("X-Max-Staleness-Ms"));
        assertEquals("/read/a%2Fb%20c", server.requests().get(0).rawPath());
    }

    @Test
    void anAbsentKeyIsExit2AndSaysWhenItWasDeleted() {
        server.then(problem(404, "not-found", "\"deleted\":true,\"version\":\"" + V1 + "\",\"source\":\"postgres-primary\""));
        assertEquals(2, run("get", "gone"));
        assertTrue(err.contains("not found (deleted at version " + V1 + ")"), err);
        assertEquals("", out);
    }

    @Test
    void withJsonAFailurePrintsTheProblem() {
        server.then(problem(404, "not-found", ""));
        assertEquals(2, run("get", "gone", "--json"));
        assertTrue(out.contains("\"type\":\"urn:captier:problem:not-found\""), out);
    }

    @Test
    void putTakesTheValueFromTheArgumentOrStandardInput() {
        server.otherwise(r -> written("k", V1));
        assertEquals(0, run("put", "k", "from argument"));
        stdin = new byte[]{0, 1, 2};
        assertEquals(0, run("put", "k", "-"));
        stdin = "piped".getBytes(StandardCharsets.UTF_8);
        assertEquals(0, run("put", "k", "--content-type", "text/csv"));

        assertEquals("from argument", server.requests().get(0).text());
        assertEquals("text/plain; charset=utf-8", server.requests().get(0).header("Content-Type"));
        assertArrayEquals(new byte[]{0, 1, 2}, server.requests().get(1).body());
        assertEquals("application/octet-stream", server.requests().get(1).header("Content-Type"));
        assertEquals("piped", server.requests().get(2).text());
        assertEquals("text/csv", server.requests().get(2).header("Content-Type"));
        assertTrue(out.contains("version:    " + V1), out);
        assertTrue(out.contains("durability: primary (committed, 200)"), out);
    }

    @Test
    void casNamesItsPreconditionAndAMismatchIsExit3() {
        server.then(written("k", V1), written("k", V1), written("k", V1),
                problem(412, "precondition-failed", "\"current_version\":\"" + (V1 + 1) + "\",\"exists\":true"));
        assertEquals(0, run("cas", "k", "--expect", Long.toString(V1), "new"));
        assertEquals(0, run("cas", "k", "--expect", "absent", "new"));
        assertEquals(0, run("cas", "k", "--expect", "any", "new"));
        assertEquals(3, run("cas", "k", "--expect", Long.toString(V1), "new"));

        assertEquals("\"" + V1 + "\"", server.requests().get(0).header("If-Match"));
        assertEquals("*", server.requests().get(1).header("If-None-Match"));
        assertNull(server.requests().get(1).header("If-Match"));
        assertEquals("*", server.requests().get(2).header("If-Match"));
        assertTrue(err.contains("precondition failed: the current version is " + (V1 + 1)), err);
    }

    @Test
    void deleteIsConditionalWhenAsked() {
        server.otherwise(r -> written("k", V1));
        assertEquals(0, run("delete", "k"));
        assertEquals(0, run("delete", "k", "--expect", "any"));
        assertEquals("DELETE", server.requests().get(0).method());
        assertNull(server.requests().get(0).header("If-Match"));
        assertEquals("*", server.requests().get(1).header("If-Match"));
        assertEquals(1, run("delete", "k", "--expect", "absent"));
        assertEquals(2, server.requests().size());
    }

    @ParameterizedTest(name = "{0} {1} -> {3}")
    @CsvSource({
            "get, 400, bad-key,                1",
            "put, 400, bad-session,            1",
            "put, 413, value-too-large,        1",
            "put, 422, idempotency-key-reused, 1",
            "get, 404, not-found,              2",
            "put, 412, precondition-failed,    3",
            "get, 401, unauthenticated,        4",
            "put, 403, forbidden,              4",
            "get, 503, unavailable,            5",
            "get, 503, session-behind,         5",
            "put, 503, outcome-unknown,        5",
            "put, 502, no-instance,            5",
            "get, 429, rate-limited,           6",
            "get, 500, internal,               7",
            "get, 418, teapot,                 1",
            "get, 507, insufficient-storage,   7",
    })
    void eachOutcomeHasItsExitCode(String command, int status, String problem, int code) {
        // A Retry-After beyond the client's bound: no retries, the first answer is final.
        server.otherwise(r -> problem(status, problem, "", "Retry-After", "3600"));
        int exit = command.equals("get") ? run("get", "k") : run("put", "k", "v");
        assertEquals(code, exit, err);
        assertTrue(err.startsWith("captier: "), err);
    }

    @Test
    void noAnswerIsExit5() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertEquals(5, run("--url", "http://127.0.0.1:" + port, "get", "k"));
        assertTrue(err.contains("no answer") || err.contains("ConnectException"), err);
    }

    @Test
    void anOutcomeUnknownSaysWhichIdempotencyKeyToResendWith() {
        server.otherwise(r -> problem(503, "outcome-unknown", "\"outcome\":\"unknown\"", "Retry-After", "3600"));
        assertEquals(5, run("put", "k", "v"));
        String key = server.requests().get(0).header("Idempotency-Key");
        assertTrue(err.contains("--idempotency-key " + key), err);
        server.then(written("k", V1, "Idempotent-Replayed", "true"));
        assertEquals(0, run("put", "k", "v", "--idempotency-key", key));
        assertEquals(key, server.requests().get(1).header("Idempotency-Key"));
        assertTrue(out.contains("replayed:"), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--token", "--api-key", "--key", "--bearer", "--authorization", "-t"})
    void refusesAnApiKeyGivenAsAnArgument(String option) {
        assertEquals(1, run(option, "s3cret", "get", "k"));
        assertTrue(err.contains("never taken from the command line") && err.contains("CAPTIER_TOKEN"), err);
        assertEquals(1, run("get", "k", option + "=s3cret"));
        assertTrue(server.requests().isEmpty(), "nothing was sent");
        assertTrue(!err.contains("s3cret") && !out.contains("s3cret"), "the key is not echoed");
    }

    @Test
    void anOperandAfterDoubleDashIsAKeyNotAnOption() {
        server.then(value("--token", "v", 1));
        assertEquals(0, run("get", "--", "--token"));
        assertEquals("/read/--token", server.requests().get(0).rawPath());
    }

    @Test
    void withoutAnApiKeyItIsAUsageError() {
        env.remove("CAPTIER_TOKEN");
        assertEquals(1, run("get", "k"));
        assertTrue(err.contains("no API key"), err);
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void theKeyFileHoldsTheKeyAloneOrACredentialsLine(@TempDir Path dir) throws Exception {
        env.remove("CAPTIER_TOKEN");
        server.otherwise(r -> value("k", "v", 1));
        Path plain = Files.writeString(dir.resolve("key"), "from-file\n");
        Path credentials = Files.writeString(dir.resolve("credentials.env"),
                "CAPTIER_READ_TOKEN=reader\nCAPTIER_TOKEN=read-write\nCAPTIER_AUTH=\"Authorization: Bearer read-write\"\n");
        assertEquals(0, run("--key-file", plain.toString(), "get", "k"));
        assertEquals(0, run("get", "k", "--key-file", credentials.toString()));
        assertEquals("Bearer from-file", server.requests().get(0).header("Authorization"));
        assertEquals("Bearer read-write", server.requests().get(1).header("Authorization"));
        assertEquals(1, run("get", "k", "--key-file", dir.resolve("missing").toString()));
    }

    @Test
    void urlOptionOverridesTheEnvironment() throws Exception {
        try (ScriptedServer other = new ScriptedServer()) {
            other.then(value("k", "v", 1));
            assertEquals(0, run("--url", other.uri().toString(), "get", "k"));
            assertEquals(1, other.requests().size());
            assertTrue(server.requests().isEmpty());
        }
    }

    @Test
    void nodesAndBreakersAsTables() {
        server.then(json(200, "[{\"node\":\"pg-a\",\"kind\":\"postgres\",\"role\":\"primary\",\"reachable\":true,"
                        + "\"fenced\":false,\"staleness_ms\":0},{\"node\":\"sentinel-a\",\"kind\":\"sentinel\","
                        + "\"role\":\"sentinel\",\"reachable\":true}]"),
                json(200, "[{\"name\":\"postgres-primary\",\"state\":\"half-open\",\"failures\":3,\"successes\":1,"
                        + "\"prevented\":7,\"since\":\"2026-01-01T00:00:00Z\"}]"),
                json(200, "[{\"name\":\"redis-master\",\"state\":\"closed\"}]"));
        assertEquals(0, run("nodes"));
        assertTrue(out.lines().anyMatch(l -> l.startsWith("pg-a") && l.contains("primary") && l.contains("true")), out);
        assertEquals(0, run("breakers"));
        assertTrue(out.lines().anyMatch(l -> l.startsWith("postgres-primary") && l.contains("half-open")), out);
        assertEquals(0, run("breakers", "--json"));
        assertEquals("[{\"name\":\"redis-master\",\"state\":\"closed\"}]\n", out);
    }

    @Test
    void helpListsTheExitCodesAndWhereTheKeyComesFrom() {
        assertEquals(0, run("--help"));
        for (String line : new String[]{"0   ok", "1   usage", "2   not found", "3   precondition failed",
                "4   unauthenticated or forbidden", "5   unavailable", "6   rate limited", "7   other error"}) {
            assertTrue(out.contains(line), line + " in\n" + out);
        }
        assertTrue(out.contains("CAPTIER_TOKEN"));
        assertEquals(0, run("cas", "--help"));
        assertTrue(out.contains("--expect"), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "get", "frobnicate", "get k --no-such-option", "cas k v", "cas k --expect soon v",
            "get k --max-staleness-ms lots", "put"})
    void usageErrorsAreExit1(String line) {
        assertEquals(1, run(line.isEmpty() ? new String[0] : line.split(" ")), out + err);
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void aTrustedCertificateThatCannotBeReadIsAUsageError(@TempDir Path dir) {
        assertEquals(1, run("--insecure-ca", dir.resolve("missing.crt").toString(), "get", "k"));
        assertTrue(err.contains("trusted certificate"), err);
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void aKeyTheServiceCannotAddressIsExit1() {
        assertEquals(1, run("get", ".."));
        assertTrue(err.contains("dot segments"), err);
    }
}
