package io.captier.it;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.SkewedClock;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology.Node;
import io.captier.version.Hlc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both contracts with one instance on a wrong clock (docs/architecture.md A3 and
 * A6; docs/decisions.md, "Clocks"): an available instance 10 s ahead (libfaketime),
 * an available and a consistent instance on the right clock, all on one topology.
 * <ul>
 * <li>the right instances see its versions but do not adopt them: counted, logged
 *     CLOCK_OFFSET, and their own versions stay on their own clock;</li>
 * <li>writes acknowledged one after another, alternately by the skewed and the consistent
 *     instance, are read back in that order (the primary orders committed versions,
 *     whatever the writers' clocks); stepped 5 s behind, the skewed instance's writes are
 *     still acknowledged (buffered once its direct writes miss the primary's deadline), its
 *     versions never go back, and
 *     once they are reconciled the primary holds the last-writer-wins winner among them and a
 *     consistent write made meanwhile;</li>
 * <li>a read that returns an older version than one acknowledged before it was sent says
 *     it may be at least that stale.</li>
 * </ul>
 * {@code -Dclock.counterexample=no-guard} gives the right available instance an offset bound of
 * an hour, as if there were no guard: the first step then fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClockSkewIT {

    private static final long AHEAD_MS = 10_000;

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    private Path dir;
    private Stack stack;
    private SkewedClock clock;
    private AppInstance ahead;
    private AppInstance right;
    private Client onAhead;
    private Client onRight;
    private Client consistent;

    @BeforeAll
    void start() throws IOException {
        dir = Files.createTempDirectory("captier-clock-skew-");
        clock = SkewedClock.create(dir, AHEAD_MS);
        stack = Stack.start();
        ahead = stack.instance("ap-ahead", "available", clock.env());
        boolean noGuard = "no-guard".equals(System.getProperty("clock.counterexample"));
        right = stack.instance("ap-right", "available", noGuard ? Map.of("MAX_CLOCK_OFFSET_MS", "3600000") : Map.of());
        AppInstance cp = stack.instance("cp-right", "consistent");
        onAhead = new Client(ahead.baseUrl());
        onRight = new Client(right.baseUrl());
        consistent = new Client(cp.baseUrl());
        stack.register(logs);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
        try {
            Files.deleteIfExists(dir.resolve("faketime-offset"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The 60-minute soak: an available write proposed below the key's row (here written 10 s
     * ahead) is stored by the primary above it (max(proposed, previous + 1)); its commit hangs on
     * the paused synchronous standby and is buffered. Buffered at the proposed version, it was
     * acknowledged at one version and applied at another when the standby came back.
     */
    @Test
    @Order(0)
    void aWriteWhoseCommitIsLostIsBufferedAtTheVersionTheCommitGivesIt() {
        Client.Answer high = onAhead.write("skew-unknown", "from-ahead");
        assertEquals(200, high.status(), high.toString());
        var standby = stack.topology.pgStandby();
        stack.topology.pause(standby);
        Client.Answer lost;
        try {
            lost = onRight.write("skew-unknown", "from-right", "Idempotency-Key", "skew-unknown-1");
        } finally {
            stack.topology.resume(standby);
        }
        assertEquals(202, lost.status(), "the commit hung on the paused standby: buffered, " + lost);
        assertTrue(lost.version() > high.version(), "acknowledged at the version the primary chose, above the row: "
                + lost + " after " + high);
        await("the buffered copy reconciled").atMost(Duration.ofSeconds(30))
                .until(() -> onRight.metric("ap_pending_writes{buffer=\"redis\"}") == 0
                        && onRight.metric("ap_pending_writes{buffer=\"local\"}") == 0);
        Client.Answer r = await("the write on the primary").atMost(Duration.ofSeconds(10))
                .until(() -> consistent.read("skew-unknown"), x -> x.status() == 200 && "from-right".equals(x.string("value")));
        assertEquals(lost.version(), r.version(), "applied at the version it was acknowledged at: " + r);
        // The hung commits opened the right instance's breaker to the primary, and the skewed
        // instance's heartbeats hung too: the next steps expect both to write on the primary
        await("the right instance writes on the primary again").atMost(Duration.ofSeconds(20))
                .until(() -> onRight.write("skew-unknown-after", "x").status() == 200);
        await("the skewed instance writes on the primary again").atMost(Duration.ofSeconds(20))
                .until(() -> onAhead.write("skew-unknown-after-ahead", "x").status() == 200);
    }

    @Test
    @Order(1)
    void aVersionFromTheFutureIsCountedNotAdopted() {
        Client.Answer w = onAhead.write("skew-seen", "from-ahead");
        assertEquals(200, w.status(), w.toString());
        long ahead = Hlc.wallMillis(w.version()) - System.currentTimeMillis();
        assertTrue(ahead > AHEAD_MS - 2_000, "the skewed instance writes on its clock, " + ahead + " ms ahead");

        Client.Answer r = onRight.read("skew-seen");
        assertEquals(200, r.status(), r.toString());
        assertEquals(w.version(), r.version(), "the right instance reads the skewed write: " + r);
        Client.Answer own = onRight.write("skew-own", "from-right");
        assertEquals(200, own.status(), own.toString());
        long drift = Hlc.wallMillis(own.version()) - System.currentTimeMillis();
        assertTrue(Math.abs(drift) < 2_000,
                "the right instance's versions stay on its own clock, not the skewed one: " + drift + " ms off");
        await("clock_offset_total on the right instance").atMost(Duration.ofSeconds(10))
                .until(() -> onRight.metric("clock_offset_total") >= 1);
        await("CLOCK_OFFSET logged").atMost(Duration.ofSeconds(10))
                .until(() -> right.logTail(400).contains("CLOCK_OFFSET"));
    }

    @Test
    @Order(2)
    void writesAcknowledgedInTurnAreReadInThatOrderWhateverTheClocks() {
        alternate("skew-order", 12);

        clock.step(-5_000);
        // libfaketime re-reads the offset within a second; then the skewed instance's wall
        // clock has gone 15 s back, while its HLC must not
        sleep(1_500);
        Client.Answer before = onAhead.write("skew-step", "a");
        Client.Answer after = onAhead.write("skew-step", "b");
        // 5 s behind, its direct writes miss the deadline the primary checks (PgStore#write:
        // sent + NETWORK_TIMEOUT - MAX_CLOCK_OFFSET on the writer's clock) and are buffered once
        // libfaketime has read the new offset — when exactly is not in the test's hands, so
        // either answer counts, as long as the write is acknowledged and never refused (A1)
        assertTrue(before.status() == 200 || before.status() == 202, before.toString());
        assertTrue(after.status() == 200 || after.status() == 202, after.toString());
        assertTrue(after.version() > before.version(), "versions never go back on one instance");
        // A consistent write that never met the buffered ones at the primary: reconciliation
        // decides by last-writer-wins on the versions (docs/architecture.md A6), not by when each was
        // acknowledged. The skewed instance's HLC still runs on from its 10 s ahead, so it may
        // well win: the cost of a clock off by more than MAX_CLOCK_OFFSET_MS (decisions: Clocks).
        Client.Answer other = consistent.write("skew-step", "c");
        assertEquals(200, other.status(), other.toString());
        Client.Answer winner = after.version() > other.version() ? after : other;
        await("the skewed instance's buffered writes reconciled").atMost(Duration.ofSeconds(30))
                .until(() -> onAhead.metric("ap_pending_writes{buffer=\"redis\"}") == 0
                        && onAhead.metric("ap_pending_writes{buffer=\"local\"}") == 0);
        Client.Answer r = await("the last-writer-wins winner on the primary").atMost(Duration.ofSeconds(10))
                .until(() -> consistent.read("skew-step"), x -> x.status() == 200 && x.version() == winner.version());
        assertEquals(winner == after ? "b" : "c", r.string("value"), r.toString());
    }

    @Test
    @Order(3)
    void aStaleAnswerSaysItMayBeAtLeastThatStale() {
        for (int i = 0; i < 40; i++) {
            Client.Answer w = consistent.write("skew-stale", "v" + i);
            assertEquals(200, w.status(), w.toString());
            long ackedAt = System.currentTimeMillis();
            Client reader = i % 2 == 0 ? onAhead : onRight;
            long sentAt = System.currentTimeMillis();
            Client.Answer r = reader.read("skew-stale");
            assertEquals(200, r.status(), r.toString());
            if (r.version() < w.version()) {
                assertTrue(r.stalenessMs() >= sentAt - ackedAt,
                        "an older version than one acknowledged " + (sentAt - ackedAt) + " ms before: " + r);
            }
        }
    }

    /**
     * A step back of the wall clock does not shorten a bound. With the Redis master holding
     * writes (CLIENT PAUSE WRITE), the skewed instance's heartbeats stop reaching the replicas,
     * and each replica's bound grows by the time that passes. Stepped 3 s back meanwhile, it
     * must still have grown by that time: ages measured with wall clock differences shrank by
     * the step (docs/decisions.md, "Clocks"; the drill steps available clocks both ways).
     */
    @Test
    @Order(4)
    void aStepBackOfTheWallClockDoesNotShortenABound() {
        Node master = stack.topology.redisMaster();
        Node replica = stack.topology.redisReplicas().get(0);
        long backMs = 3_000;
        stack.topology.redis(master, "CLIENT", "PAUSE", "8000", "WRITE");
        try {
            sleep(1_500); // the last heartbeat the replica got starts to age
            long before = staleness(onAhead, replica);
            long beforeAt = System.nanoTime();
            long target = clock.offsetMs() - backMs;
            clock.step(target);
            long seen = clock.seenOffsetMs();
            assertTrue(Math.abs(seen - target) < 500, "the step took: a process on the clock sees " + seen
                    + " ms, " + target + " ms meant");
            sleep(2_000); // the instance re-reads the offset within a second
            long after = staleness(onAhead, replica);
            long passedMs = (System.nanoTime() - beforeAt) / 1_000_000;
            // a probe every HEARTBEAT_MS: the bound shown may lag what passed by one probe
            assertTrue(after >= before + passedMs - 500, "stepped " + backMs + " ms back, the bound went from "
                    + before + " ms to " + after + " ms in " + passedMs + " ms");
        } finally {
            stack.topology.redis(master, "CLIENT", "UNPAUSE");
        }
    }

    private static long staleness(Client client, Node node) {
        return client.nodeStalenessMs(node.address());
    }

    /** Writes alternately through the skewed available and the consistent instance, reading each back. */
    private void alternate(String key, int writes) {
        for (int i = 0; i < writes; i++) {
            Client writer = i % 2 == 0 ? onAhead : consistent;
            Client.Answer w = writer.write(key, "w" + i);
            assertEquals(200, w.status(), "write " + i + ": " + w);
            assertEquals("primary", w.string("durability"), "write " + i + " committed on the primary: " + w);
            Client.Answer r = consistent.read(key);
            assertEquals(200, r.status(), r.toString());
            assertEquals("w" + i, r.string("value"), "write " + i + " acknowledged last is read: " + r);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
