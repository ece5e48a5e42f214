package io.captier.store.redis;

import io.captier.failure.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One Redis server (data node or sentinel) at a fixed address, with its own pooled
 * client. captier keeps one per node rather than one Sentinel-aware client, because it
 * must choose per read which replica is fresh enough, and know each node's staleness.
 */
public final class RedisNode implements AutoCloseable {

    private final String address;
    private final Vertx vertx;
    private final Redis client;
    private final Duration timeout;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile RedisProbe probe = RedisProbe.never();

    RedisNode(Vertx vertx, String address, String password, int poolSize, Duration timeout) {
        this.address = address;
        this.vertx = vertx;
        this.timeout = timeout;
        RedisOptions options = new RedisOptions()
                .setConnectionString("redis://" + address)
                .setMaxPoolSize(poolSize)
                .setMaxPoolWaiting(4096)
                .setMaxWaitingHandlers(4096)
                // Plain RESP2 and AUTH: the answers captier parses (SENTINEL REPLICAS) are flat arrays.
                .setProtocolNegotiation(false)
                .setNetClientOptions(new NetClientOptions()
                        .setConnectTimeout((int) timeout.toMillis())
                        .setTcpKeepAlive(true)
                        .setTcpNoDelay(true));
        if (password != null && !password.isEmpty()) {
            options.setPassword(password);
        }
        this.client = Redis.createClient(vertx, options);
    }

    public String address() {
        return address;
    }

    public RedisProbe probe() {
        return probe;
    }

    void probed(RedisProbe result) {
        probe = result;
    }

    /** Claim the right to probe: a node that hangs gets one probe in flight, not a pile. */
    boolean startProbe() {
        return probing.compareAndSet(false, true);
    }

    void endProbe() {
        probing.set(false);
    }

    /** Send one command asynchronously; the future fails after the network timeout. */
    CompletableFuture<Response> sendAsync(Request request) {
        return client.send(request).toCompletionStage().toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Send one read-only command without waiting for it: for a caller on an event loop. A read
     * needs no late-connection guard ({@link #onOneConnection(Attempt, Function)}): sent after
     * its caller gave up, it changes nothing.
     *
     * @return the answer; fails as {@link #send} throws: {@link RedisErrorReply} for an error
     *         answer, {@link StoreUnavailableException} for no connection or no answer within
     *         the network timeout
     */
    public CompletionStage<Response> read(Request request) {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        // The deadline on a Vert.x timer of the caller's event loop rather than orTimeout: that
        // one's JDK delay thread was woken for about every read (some 3 % of the instance's CPU
        // in the benchmark's profile); this one is set and cancelled on the loop itself.
        long deadline = vertx.setTimer(timeout.toMillis(),
                id -> answer.completeExceptionally(failed(new TimeoutException("no answer in time"))));
        client.send(request).onComplete(result -> {
            vertx.cancelTimer(deadline);
            if (result.succeeded()) {
                answer.complete(result.result());
            } else {
                answer.completeExceptionally(failed(result.cause()));
            }
        });
        return answer;
    }

    /**
     * Send one command and wait for the answer. Sent at most once, and not at all unless its
     * connection came while this method still waited ({@link #onOneConnection(Attempt, Function)}).
     *
     * @throws RedisErrorReply           the node answered with an error (READONLY, NOSCRIPT, ...)
     * @throws StoreUnavailableException no answer within the network timeout, or no connection
     */
    public Response send(Request request) {
        return onOneConnection(conn -> conn.send(request));
    }

    /** {@link #onOneConnection(Attempt, Function)} for a caller that need not know whether the work started. */
    public <T> T onOneConnection(Function<RedisConnection, Future<T>> work) {
        return onOneConnection(new Attempt(), work);
    }

    /**
     * Run a few commands on one connection (WAIT applies to the connection's own writes).
     *
     * <p>The work starts only if a connection comes before the caller stops waiting: a pooled
     * connection that comes later is handed back unused. (Once started, the work runs its course:
     * its first command may leave just after the caller stopped waiting, and the commands it
     * chains after an answer go out whatever the caller does; whether it started is in {@code attempt}.) Otherwise a write the caller was told
     * failed could still be sent after that answer, and a write answered "not applied" be
     * applied all the same (found by a review after the 40-minute soak; an XACK that came after
     * its caller gave up stalled the pending stream the same way). Once this method has
     * returned or thrown, {@code attempt} says for good whether the work started.
     *
     * @param attempt a fresh attempt: started here at most once
     * @param work    the commands, given the connection; its future's value is returned
     * @throws RedisErrorReply           the node answered with an error
     * @throws StoreUnavailableException no connection, no answer within the network timeout, or
     *                                   the connection failed: {@link Attempt#started()} says
     *                                   whether the work may have run
     */
    public <T> T onOneConnection(Attempt attempt, Function<RedisConnection, Future<T>> work) {
        Future<T> done = client.connect().compose(conn -> {
            if (!attempt.start()) {
                conn.close();
                return Future.failedFuture(new IllegalStateException("the caller stopped waiting before a connection came"));
            }
            Future<T> running;
            try {
                running = work.apply(conn);
            } catch (RuntimeException failed) {
                conn.close(); // or the pool loses the connection for good
                return Future.failedFuture(failed);
            }
            return running.eventually(() -> conn.close());
        });
        try {
            return await(done);
        } finally {
            attempt.giveUp();
        }
    }

    /**
     * One piece of work on a connection: started at most once, and not at all once its caller
     * gave up. Safe to read from the caller's thread after {@link #onOneConnection(Attempt, Function)}
     * returned or threw.
     */
    public static final class Attempt {
        private enum State { WAITING, STARTED, GIVEN_UP }

        private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);

        private boolean start() {
            return state.compareAndSet(State.WAITING, State.STARTED);
        }

        private void giveUp() {
            state.compareAndSet(State.WAITING, State.GIVEN_UP);
        }

        /** Whether the work started: its commands were sent, or may have been, and may run whatever the caller was told. */
        public boolean started() {
            return state.get() == State.STARTED;
        }
    }

    private <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failed(e.getCause());
        } catch (TimeoutException e) {
            throw failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("a Redis call was interrupted", address, e, 1000);
        }
    }

    /** How a call that failed with {@code cause} fails for its caller: an error answer, else unavailable. */
    private RuntimeException failed(Throwable cause) {
        if (cause instanceof Response reply) {
            return new RedisErrorReply(address, reply.toString());
        }
        if (cause instanceof TimeoutException) {
            return new StoreUnavailableException("a Redis node did not answer within " + timeout.toMillis() + " ms",
                    address, cause, 1000);
        }
        return new StoreUnavailableException("a Redis node is unreachable", address + ": " + cause.getMessage(), cause, 1000);
    }

    @Override
    public void close() {
        client.close();
    }

    /** An error answer from Redis: the node is there, the command was refused. */
    public static final class RedisErrorReply extends RuntimeException {
        public RedisErrorReply(String address, String reply) {
            super(address + ": " + reply, null, false, false);
        }

        public boolean isReadOnly() {
            return getMessage().contains(": READONLY");
        }

        public boolean isNoScript() {
            return getMessage().contains(": NOSCRIPT");
        }
    }
}
