package io.captier.store.redis;

import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Resp;
import io.captier.cluster.os.Watchdog;
import io.captier.failure.StoreUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis call is never sent after its caller stopped waiting ({@link RedisNode#onOneConnection}):
 * a pooled connection that comes later is handed back unused, or a write its caller was told
 * failed would be applied all the same. On one real redis-server, with a pool of one connection
 * that a BLPOP holds past the callers' timeout. And a read ({@link RedisNode#read}) keeps its
 * network timeout on its own Vert.x timer.
 */
class RedisNodeIT {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** How long the BLPOP holds the pool's only connection (s): well past {@link #TIMEOUT}. */
    private static final int HELD_S = 5;

    private Path dir;
    private Watchdog watchdog;
    private OsProcess server;
    private int port;
    private Vertx vertx;
    private RedisNode node;

    @BeforeEach
    void start() throws IOException {
        Binaries.requireTopologyBinaries();
        dir = Files.createTempDirectory("captier-redis-node-");
        watchdog = Watchdog.start(dir);
        port = FreePorts.next();
        server = OsProcess.launch(List.of("redis-server", "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--dir", dir.toString()), dir.resolve("redis.log"), dir, Map.of(),
                watchdog);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!answersPing()) {
            assertTrue(System.nanoTime() < deadline && server.isAlive(), "redis-server did not start:\n"
                    + Processes.tail(dir.resolve("redis.log"), 20));
            Processes.sleep(50);
        }
        vertx = Vertx.vertx();
        node = new RedisNode(vertx, "127.0.0.1:" + port, null, 1, TIMEOUT);
        // The pool's one connection made now, not inside a test's 500 ms (a cold Vert.x on a busy machine)
        RedisNode warm = new RedisNode(vertx, "127.0.0.1:" + port, null, 1, Duration.ofSeconds(10));
        try {
            assertEquals("PONG", warm.send(Request.cmd(Command.PING)).toString());
        } finally {
            warm.close();
        }
        assertEquals("PONG", node.onOneConnection(new RedisNode.Attempt(), conn -> conn.send(Request.cmd(Command.PING)))
                .toString(), "the pool's connection is up");
    }

    @AfterEach
    void stop() {
        try {
            if (node != null) {
                node.close();
            }
            if (vertx != null) {
                vertx.close().toCompletionStage().toCompletableFuture().join();
            }
            if (server != null) {
                server.terminate("TERM", Duration.ofSeconds(5));
            }
        } finally {
            if (watchdog != null) {
                watchdog.close();
            }
            Processes.run(List.of("rm", "-rf", "--", dir.toString()), Map.of(), null, Duration.ofSeconds(30));
        }
    }

    @Test
    void aWriteWhoseCallerStoppedWaitingForAConnectionIsNeverSent() throws IOException {
        CompletableFuture<Void> holder = holdTheOnlyConnection();
        RedisNode.Attempt attempt = new RedisNode.Attempt();
        assertThrows(StoreUnavailableException.class, () -> node.onOneConnection(attempt,
                conn -> conn.send(Request.cmd(Command.SET).arg("late-work").arg("v"))));
        assertFalse(attempt.started(), "no connection came in time: the work did not start");
        assertThrows(StoreUnavailableException.class, () -> node.send(Request.cmd(Command.SET).arg("late-send").arg("v")));

        holder.join();
        Processes.sleep(500); // the connection is back in the pool, and the waiting calls had their turn
        assertNull(Resp.call(port, null, TIMEOUT, "GET", "late-work"), "the work was not run after its caller gave up");
        assertNull(Resp.call(port, null, TIMEOUT, "GET", "late-send"), "the command was not sent after its caller gave up");
        assertEquals("OK", node.send(Request.cmd(Command.SET).arg("after").arg("v")).toString(), "the pool serves again");
    }

    @Test
    void aCallThatStartedSaysSoWhenItsAnswerDoesNotCome() {
        RedisNode.Attempt attempt = new RedisNode.Attempt();
        assertThrows(StoreUnavailableException.class, () -> node.onOneConnection(attempt,
                conn -> conn.send(Request.cmd(Command.BLPOP).arg("nothing-here").arg(HELD_S))));
        assertTrue(attempt.started(), "sent and unanswered: it may run all the same");
    }

    /**
     * {@link RedisNode#read} gives up at the network timeout on its own timer, not when the
     * connection comes back: the read path's breakers and fallbacks count on it.
     */
    @Test
    void aReadWithNoConnectionInTimeFailsAtTheNetworkTimeout() throws Exception {
        CompletableFuture<Void> holder = holdTheOnlyConnection();
        long start = System.nanoTime();
        CompletableFuture<Response> read = node.read(Request.cmd(Command.GET).arg("any")).toCompletableFuture();
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> read.get(HELD_S * 1000L / 2, TimeUnit.MILLISECONDS), "failed before the connection came back");
        long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertInstanceOf(StoreUnavailableException.class, failed.getCause());
        assertTrue(elapsedMs >= TIMEOUT.toMillis() - 50, "not before the timeout: " + elapsedMs + " ms");
        holder.join();
    }

    /** A read that is answered: the value, or the node's error answer as {@link RedisNode.RedisErrorReply}. */
    @Test
    void aReadAnsweredGivesTheValueOrTheErrorReply() throws Exception {
        assertEquals("OK", node.send(Request.cmd(Command.SET).arg("read-me").arg("v")).toString());
        assertEquals("v", node.read(Request.cmd(Command.GET).arg("read-me")).toCompletableFuture()
                .get(5, TimeUnit.SECONDS).toString());
        ExecutionException wrongType = assertThrows(ExecutionException.class, () -> node.read(
                Request.cmd(Command.HGETALL).arg("read-me")).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(RedisNode.RedisErrorReply.class, wrongType.getCause());
    }

    /** A BLPOP on the pool's only connection, on another thread; returns once Redis answered it. */
    private CompletableFuture<Void> holdTheOnlyConnection() {
        RedisNode.Attempt held = new RedisNode.Attempt();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> assertThrows(StoreUnavailableException.class,
                () -> node.onOneConnection(held, conn -> conn.send(Request.cmd(Command.BLPOP).arg("nothing-here")
                        .arg(HELD_S)))));
        long deadline = System.nanoTime() + Duration.ofSeconds(HELD_S).toNanos();
        while (!held.started()) {
            assertTrue(System.nanoTime() < deadline, "the BLPOP never got the connection");
            Processes.sleep(10);
        }
        // The caller stops waiting after TIMEOUT; the connection stays busy until Redis answers.
        return done.thenCompose(ignored -> CompletableFuture.runAsync(() -> Processes.sleep(HELD_S * 1000L)));
    }

    private boolean answersPing() {
        try {
            return "PONG".equals(Resp.call(port, null, Duration.ofMillis(200), "PING"));
        } catch (IOException e) {
            return false;
        }
    }
}
