package io.captier.it;

import io.captier.client.CaptierClient;
import io.captier.client.CaptierException;
import io.captier.client.ForbiddenException;
import io.captier.client.NotFoundException;
import io.captier.client.OutcomeUnknownException;
import io.captier.client.Precondition;
import io.captier.client.PreconditionFailedException;
import io.captier.client.ReadOptions;
import io.captier.client.ReadResult;
import io.captier.client.UnauthenticatedException;
import io.captier.client.UnavailableException;
import io.captier.client.ValueTooLargeException;
import io.captier.client.WriteOptions;
import io.captier.client.WriteResult;
import io.captier.client.cli.CaptierCli;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Credentials;
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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Java client (client/) and the CLI on it against the real topology, as a user runs
 * them: both profiles, compare-and-set, a session carried from one instance to another,
 * the problem types as typed exceptions, and writes under a PostgreSQL primary kill —
 * each lands exactly once, with the version the client was told, or fails as unavailable
 * (not applied) or outcome-unknown, which a resend with its Idempotency-Key settles.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientIT {

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    private Stack stack;
    private AppInstance cpInstance;
    private AppInstance apInstance;
    private AppInstance apOther;

    @BeforeAll
    void start() {
        stack = Stack.start();
        cpInstance = stack.instance("client-cp", "consistent");
        apInstance = stack.instance("client-ap", "available");
        apOther = stack.instance("client-ap-2", "available");
        stack.register(logs);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static CaptierClient client(AppInstance app) {
        return client(app, Credentials.READ_WRITE);
    }

    private static CaptierClient client(AppInstance app, String apiKey) {
        return CaptierClient.builder().baseUri(app.baseUrl()).apiKey(apiKey)
                .maxAttempts(4).initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(500))
                .requestTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    @Order(1)
    void writesReadsAndCompareAndSetsOnBothProfiles() {
        for (AppInstance app : List.of(cpInstance, apInstance)) {
            CaptierClient c = client(app);
            String k = "client-basic " + app.name() + " é/?";
            WriteResult w = c.write(k, "v1");
            assertEquals(200, w.status(), w.toString());
            assertEquals("primary", w.durability());
            assertFalse(w.replayed());

            ReadResult r = c.read(k).orElseThrow();
            assertEquals("v1", r.text());
            assertEquals(w.version(), r.version());
            assertEquals(app.mode(), r.mode());

            WriteResult swapped = c.compareAndSet(k, w.version(), "v2");
            PreconditionFailedException stale = assertThrows(PreconditionFailedException.class,
                    () -> c.compareAndSet(k, w.version(), "v3"));
            assertEquals(swapped.version(), stale.currentVersion().orElseThrow(), "the 412 says what the key holds");
            assertTrue(stale.exists());
            assertEquals("v2", c.readRequired(k, ReadOptions.defaults()).text(), "a refused swap changed nothing");

            assertThrows(PreconditionFailedException.class, () -> c.createIfAbsent(k, "again"));
            WriteResult deleted = c.compareAndDelete(k, swapped.version());
            assertEquals(Optional.empty(), c.read(k));
            NotFoundException gone = assertThrows(NotFoundException.class, () -> c.readRequired(k, ReadOptions.defaults()));
            assertTrue(gone.deleted(), gone.toString());
            assertEquals(deleted.version(), gone.tombstoneVersion().orElseThrow());
            PreconditionFailedException absent = assertThrows(PreconditionFailedException.class,
                    () -> c.replaceIfPresent(k, "x"));
            assertFalse(absent.exists());
            assertEquals(200, c.createIfAbsent(k, "created over the tombstone").status());

            byte[] binary = {0, 1, 2, (byte) 0xff};
            c.write(k + "-bin", binary, "application/octet-stream");
            ReadResult b = c.read(k + "-bin").orElseThrow();
            assertArrayEquals(binary, b.value());
            assertEquals("application/octet-stream", b.contentType());
        }
    }

    @Test
    @Order(2)
    void theSessionTravelsWithTheClientAcrossInstances() {
        CaptierClient onA = client(apInstance);
        WriteResult w = onA.write("client-session", "mine");
        String token = onA.sessionToken().orElseThrow(() -> new AssertionError("a write answers a session token"));

        CaptierClient onB = CaptierClient.builder().baseUri(apOther.baseUrl()).apiKey(Credentials.READ_WRITE)
                .sessionToken(token).build();
        ReadResult r = onB.read("client-session", ReadOptions.maxStalenessMs(1000)).orElseThrow();
        assertTrue(r.version() >= w.version(), "read-your-writes on another instance: " + r + " after " + w);
        assertEquals("mine", r.text());
    }

    @Test
    @Order(3)
    void problemsArriveAsTypedExceptions() {
        assertThrows(UnauthenticatedException.class, () -> client(cpInstance, "not-a-key").read("k"));
        ForbiddenException forbidden = assertThrows(ForbiddenException.class,
                () -> client(cpInstance, Credentials.READ_ONLY).write("client-ro", "x"));
        assertEquals(403, forbidden.status());
        assertEquals(Optional.of("urn:captier:problem:forbidden"), forbidden.type());
        assertThrows(ValueTooLargeException.class,
                () -> client(cpInstance).write("client-big", new byte[2 * 1024 * 1024], "application/octet-stream"));
        assertEquals(Optional.empty(), client(cpInstance).read("client-big"), "a refused write changed nothing");
        assertThrows(IllegalArgumentException.class, () -> client(cpInstance).write("", "x"),
                "a key the service cannot store is refused before sending");
    }

    @Test
    @Order(4)
    void aReplayedWriteIsItsFirstAnswer() {
        CaptierClient c = client(cpInstance);
        WriteOptions once = WriteOptions.defaults().withIdempotencyKey("client-replay-1");
        WriteResult first = c.write("client-replay", "v".getBytes(StandardCharsets.UTF_8), CaptierClient.TEXT_UTF8, once);
        WriteResult again = c.write("client-replay", "v".getBytes(StandardCharsets.UTF_8), CaptierClient.TEXT_UTF8, once);
        assertTrue(again.replayed());
        assertEquals(first.version(), again.version());
        assertEquals(first.version(), c.read("client-replay").orElseThrow().version(), "applied once");
    }

    @Test
    @Order(5)
    void theCliPutsGetsAndSwapsWithItsExitCodes() throws Exception {
        String url = cpInstance.baseUrl();
        Cli put = cli(url, "put", "client-cli", "hello");
        assertEquals(0, put.code, put.toString());
        Cli get = cli(url, "get", "client-cli", "--raw");
        assertEquals(0, get.code, get.toString());
        assertEquals("hello", get.out);

        Cli json = cli(url, "--json", "get", "client-cli");
        assertEquals(0, json.code, json.toString());
        long version = Long.parseLong(json.out.replaceAll("(?s).*\"version\"\\s*:\\s*\"?(\\d+).*", "$1"));

        Cli swapped = cli(url, "cas", "client-cli", "--expect", Long.toString(version), "again");
        assertEquals(0, swapped.code, swapped.toString());
        Cli lost = cli(url, "cas", "client-cli", "--expect", Long.toString(version), "late");
        assertEquals(3, lost.code, "a lost swap exits 3: " + lost);
        assertEquals("again", cli(url, "get", "client-cli", "--raw").out);

        Cli fromStdin = cliWithInput(url, "bytes from stdin", "put", "client-cli-stdin", "-");
        assertEquals(0, fromStdin.code, fromStdin.toString());
        assertEquals("bytes from stdin", cli(url, "get", "client-cli-stdin", "--raw").out);

        assertEquals(0, cli(url, "delete", "client-cli", "--expect", "any").code);
        assertEquals(2, cli(url, "get", "client-cli").code, "absent exits 2");
        assertEquals(0, cli(url, "cas", "client-cli", "--expect", "absent", "first").code);

        Cli nodes = cli(url, "--json", "nodes");
        assertEquals(0, nodes.code, nodes.toString());
        assertTrue(nodes.out.contains("\"role\":\"primary\""), nodes.out);
        assertEquals(0, cli(url, "breakers").code);

        Cli readOnly = run(Map.of("CAPTIER_TOKEN", Credentials.READ_ONLY), null, "--url", url, "put", "client-cli", "x");
        assertEquals(4, readOnly.code, "forbidden exits 4: " + readOnly);
        Cli onTheCommandLine = run(Map.of(), null, "--url", url, "--token", Credentials.READ_WRITE, "get", "client-cli");
        assertEquals(1, onTheCommandLine.code, "a key as an argument is refused: " + onTheCommandLine);
        assertFalse(onTheCommandLine.err.contains(Credentials.READ_WRITE), "and not echoed");
    }

    /**
     * Writes run back to back, each a logical write to a key of its own, while the primary
     * is killed and restarted. Every acknowledged write holds its value at the version the
     * client was told (applied, and applied once: a second apply would be a newer version);
     * every "unavailable, not applied" left the key absent; every outcome-unknown, resent
     * with its Idempotency-Key, is answered with one version that the key holds. Nothing
     * else is thrown.
     */
    @Test
    @Order(6)
    void underAPrimaryKillAWriteLandsOnceOrFailsClearly() throws Exception {
        for (AppInstance app : List.of(cpInstance, apInstance)) {
            CaptierClient c = client(app);
            String prefix = "client-kill-" + app.mode() + "-";
            List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String key = prefix + i;
                    String value = "v" + i;
                    String idem = "client-kill-" + app.mode() + "-" + i;
                    try {
                        WriteResult w = c.write(key, value.getBytes(StandardCharsets.UTF_8), CaptierClient.TEXT_UTF8,
                                WriteOptions.defaults().withIdempotencyKey(idem));
                        attempts.add(new Attempt(key, value, idem, w, null));
                    } catch (CaptierException e) {
                        attempts.add(new Attempt(key, value, idem, null, e));
                    }
                    // Paced: a few hundred logical writes span the kill; each is settled below.
                    LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                }
            });
            Node primary = stack.topology.pgPrimary();
            try {
                Thread.sleep(1000);
                stack.topology.kill(primary);
                Thread.sleep(3000);
            } finally {
                stack.topology.restart(primary);
            }
            CaptierClient cp = client(cpInstance);
            await("the primary is back").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> cp.write("client-kill-probe", "p").status() == 200);
            Thread.sleep(1000);
            stop.set(true);
            writer.get();

            List<Attempt> seen = List.copyOf(attempts);
            assertTrue(seen.stream().anyMatch(a -> a.result != null), "writes went through: " + seen);
            assertTrue(seen.stream().anyMatch(a -> a.failure != null || a.result.buffered()),
                    "the kill was felt (a failure, or a buffered write): " + seen);
            for (Attempt a : seen) {
                settle(a, c, cp);
            }
            System.out.printf("ClientIT primary kill, %s: %d logical writes: %d applied, %d buffered, %d failed (%s)%n",
                    app.mode(), seen.size(), seen.stream().filter(a -> a.result != null).count(),
                    seen.stream().filter(a -> a.result != null && a.result.buffered()).count(),
                    seen.stream().filter(a -> a.failure != null).count(),
                    seen.stream().filter(a -> a.failure != null).map(a -> a.failure.getClass().getSimpleName())
                            .distinct().sorted().toList());
        }
    }

    /** Checks one attempt after recovery against the primary (the consistent instance reads it). */
    private void settle(Attempt a, CaptierClient writer, CaptierClient cp) {
        if (a.result != null) {
            // A buffered write reaches the primary when the reconciler gets to it.
            await(a.key + " on the primary").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                    .until(() -> cp.read(a.key).map(ReadResult::version).orElse(-1L) == a.result.version());
            ReadResult r = cp.read(a.key).orElseThrow();
            assertEquals(a.value, r.text(), a.toString());
            return;
        }
        if (a.failure instanceof OutcomeUnknownException unknown) {
            assertEquals(Optional.of(a.idem), unknown.idempotencyKey(), "the exception names the key to resend with");
            WriteResult resent = writer.write(a.key, a.value.getBytes(StandardCharsets.UTF_8), CaptierClient.TEXT_UTF8,
                    WriteOptions.defaults().withIdempotencyKey(a.idem));
            await(a.key + " on the primary").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                    .until(() -> cp.read(a.key).map(ReadResult::version).orElse(-1L) == resent.version());
            return;
        }
        if (a.failure instanceof UnavailableException u && u.outcome().equals(Optional.of("not-applied"))) {
            assertEquals(Optional.empty(), cp.read(a.key), "not applied means absent: " + a);
            return;
        }
        fail("a write failed other than clearly: " + a + " " + a.failure.problem(), a.failure);
    }

    private record Attempt(String key, String value, String idem, WriteResult result, CaptierException failure) {
        @Override
        public String toString() {
            return key + (result != null ? " -> " + result.status() + " v" + result.version()
                    : " -> " + failure.getClass().getSimpleName() + " " + failure.status());
        }
    }

    private record Cli(int code, String out, String err) {
    }

    private static Cli cli(String url, String... args) throws Exception {
        return cliWithInput(url, null, args);
    }

    private static Cli cliWithInput(String url, String stdin, String... args) throws Exception {
        String[] withUrl = new String[args.length + 2];
        withUrl[0] = "--url";
        withUrl[1] = url;
        System.arraycopy(args, 0, withUrl, 2, args.length);
        return run(Map.of("CAPTIER_TOKEN", Credentials.READ_WRITE), stdin, withUrl);
    }

    private static Cli run(Map<String, String> env, String stdin, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] in = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new CaptierCli(env, new ByteArrayInputStream(in), o, e).run(args);
        }
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
