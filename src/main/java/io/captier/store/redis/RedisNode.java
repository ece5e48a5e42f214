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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Redis server (data node or sentinel) at a fixed address, with its own pooled
 * client. captier keeps one per node rather than one Sentinel-aware client, because it
 * must choose per read which replica is fresh enough, and know each node's staleness.
 */
public final class RedisNode implements AutoCloseable {

    private final String address;
    private final Redis client;
    private final Duration timeout;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile RedisProbe probe = RedisProbe.never();

    RedisNode(Vertx vertx, String address, String password, int poolSize, Duration timeout) {
        this.address = address;
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
     * Send one command and wait for the answer.
     *
     * @throws RedisErrorReply           the node answered with an error (READONLY, NOSCRIPT, ...)
     * @throws StoreUnavailableException no answer within the network timeout, or no connection
     */
    public Response send(Request request) {
        return await(client.send(request));
    }

    /** Run a few commands on one connection (WAIT applies to the connection's own writes). */
    public <T> T onOneConnection(java.util.function.Function<RedisConnection, Future<T>> work) {
        return await(client.connect().compose(conn -> work.apply(conn).eventually(() -> conn.close())));
    }

    private <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Response reply) {
                throw new RedisErrorReply(address, reply.toString());
            }
            throw new StoreUnavailableException("a Redis node is unreachable",
                    address + ": " + e.getCause().getMessage(), e.getCause(), 1000);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException("a Redis node did not answer within " + timeout.toMillis() + " ms",
                    address, e, 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("a Redis call was interrupted", address, e, 1000);
        }
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
