package io.captier.store.redis;

import io.captier.resilience.Breaker;
import io.captier.resilience.Breakers;
import io.captier.store.Entry;
import io.captier.version.Hlc;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The Redis projection: one hash per key, written only through a Lua script that
 * refuses a version lower than the stored one (so write-through, buffering and
 * resync can race without ever going backwards), read from a replica or the master.
 *
 * <p>Writes follow a Sentinel failover by themselves: a READONLY answer means the node
 * was demoted, and the write is retried once on the master the sentinels name next.
 */
@ApplicationScoped
public class RedisStore {

    private static final String PUT_SCRIPT = resource("/redis/put-entry.lua");
    private static final String PUT_SHA = sha1(PUT_SCRIPT);

    private final RedisTopology topology;
    private final Breakers breakers;
    private final Hlc hlc;
    private final long waitMs;
    private volatile long pendingCount;

    public RedisStore(RedisTopology topology, Breakers breakers, Hlc hlc, io.captier.config.CaptierConfig config) {
        this.topology = topology;
        this.breakers = breakers;
        this.hlc = hlc;
        // WAIT must give up well inside the network timeout, or the client call times out first.
        this.waitMs = Math.max(10, config.networkTimeout().toMillis() / 2);
    }

    /** Write-through of an entry PostgreSQL holds. False when Redis already had a newer one. */
    @WithSpan("redis.project")
    public boolean project(Entry entry) {
        return onMaster(master -> {
            try {
                return master.send(put(Command.EVALSHA, PUT_SHA, entry, false)).toInteger() == 1;
            } catch (RedisNode.RedisErrorReply e) {
                if (!e.isNoScript()) {
                    throw e;
                }
                return master.send(put(Command.EVAL, PUT_SCRIPT, entry, false)).toInteger() == 1;
            }
        });
    }

    /**
     * Accept a write PostgreSQL could not take: into the projection with a pending mark and
     * onto the pending stream, atomically; then WAIT for a replica to hold it too.
     *
     * @return how many replicas acknowledged the write (0: it lives on the master only)
     */
    @WithSpan("redis.buffer")
    public int buffer(Entry entry) {
        return onMaster(master -> master.onOneConnection(conn ->
                conn.send(put(Command.EVAL, PUT_SCRIPT, entry, true))
                        .compose(written -> conn.send(Request.cmd(Command.WAIT).arg(1).arg(waitMs)))
                        .map(Response::toInteger)));
    }

    /** Read a key from one node; empty when the projection has no such key. */
    @WithSpan("redis.read")
    public Optional<Entry> read(RedisNode node, boolean isMaster, String key) {
        Breaker breaker = breakers.get(isMaster ? Breakers.REDIS_MASTER : Breakers.redisReplica(node.address()));
        Response r = breaker.call(() -> node.send(
                Request.cmd(Command.HMGET).arg(RedisKeys.entry(key)).arg("v").arg("ct").arg("ver").arg("o").arg("del")));
        if (r.get(2) == null) {
            return Optional.empty();
        }
        boolean deleted = "1".equals(r.get(4).toString());
        String contentType = r.get(1) == null || r.get(1).toString().isEmpty() ? null : r.get(1).toString();
        long version = Long.parseLong(r.get(2).toString());
        hlc.observe(version);
        return Optional.of(new Entry(key, deleted ? null : r.get(0).toBytes(), deleted ? null : contentType,
                version, r.get(3).toString(), deleted));
    }

    /**
     * What the master held before a heartbeat, and which server it is.
     *
     * @param previous the heartbeat it held before, -1 when none
     * @param master   address and run id: a different master, or the same one restarted,
     *                 shows as a different value
     */
    public record Beat(long previous, String master) {
    }

    /** Record this instance's heartbeat on the master; replicas replay it (DESIGN section 4). */
    public Beat heartbeat(String instance, long wallMs) {
        return onMaster(master -> {
            Response previous = master.send(Request.cmd(Command.SET).arg(RedisKeys.heartbeat(instance)).arg(wallMs).arg("GET"));
            String info = master.send(Request.cmd(Command.INFO).arg("server")).toString();
            int at = info.indexOf("run_id:");
            String runId = at < 0 ? "?" : info.substring(at + 7, info.indexOf('\n', at)).trim();
            return new Beat(previous == null ? -1 : Long.parseLong(previous.toString()), master.address() + "/" + runId);
        });
    }

    /**
     * Look at the pending stream: how many buffered writes wait, and since when.
     *
     * @return wall-clock ms of the oldest pending write (its stream id), 0 when none waits
     */
    public long oldestPendingMs() {
        return onMaster(master -> {
            long length = master.send(Request.cmd(Command.XLEN).arg(RedisKeys.PENDING)).toLong();
            pendingCount = length;
            if (length == 0) {
                return 0L;
            }
            Response first = master.send(Request.cmd(Command.XRANGE).arg(RedisKeys.PENDING).arg("-").arg("+")
                    .arg("COUNT").arg(1));
            if (first.size() == 0) {
                return 0L;
            }
            String id = first.get(0).get(0).toString();
            return Long.parseLong(id.substring(0, id.indexOf('-')));
        });
    }

    /** The pending stream's length as last seen (the ap_pending_writes gauge). */
    public long lastPendingCount() {
        return pendingCount;
    }

    /**
     * Run work on the master through its breaker. Not knowing any master is no failure of
     * the master's endpoint, so it is refused before the breaker counts it.
     */
    private <T> T onMaster(java.util.function.Function<RedisNode, T> work) {
        RedisNode master = topology.master();
        return breakers.get(Breakers.REDIS_MASTER).call(() -> {
            try {
                return work.apply(master);
            } catch (RedisNode.RedisErrorReply e) {
                if (!e.isReadOnly()) {
                    throw e;
                }
                return work.apply(topology.awaitNewMaster(master.address()));
            }
        });
    }

    private static Request put(Command command, String script, Entry e, boolean pending) {
        return Request.cmd(command).arg(script).arg(2)
                .arg(RedisKeys.entry(e.key())).arg(RedisKeys.PENDING)
                .arg(Long.toString(e.version()))
                .arg(e.version() >>> 32)
                .arg(e.version() & 0xffffffffL)
                .arg(e.origin())
                .arg(e.deleted() ? "1" : "0")
                .arg(e.contentType() == null ? "" : e.contentType())
                .arg(e.value() == null ? new byte[0] : e.value())
                .arg(pending ? "1" : "0")
                .arg(e.key());
    }

    private static String resource(String path) {
        try (InputStream in = RedisStore.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
