package io.captier.store.redis;

import io.captier.observability.DbSpans;
import io.captier.resilience.Breaker;
import io.captier.resilience.Breakers;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.OwnHeartbeats;
import io.captier.version.Hlc;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The Redis projection of PostgreSQL: one hash per key ({@link PutEntry} writes it), read
 * from a replica or the master, and this instance's heartbeat on the master.
 */
@ApplicationScoped
public class RedisStore {

    private final MasterCalls master;
    private final Breakers breakers;
    private final Hlc hlc;
    private final OwnHeartbeats ownHeartbeats;

    public RedisStore(MasterCalls master, Breakers breakers, Hlc hlc, OwnHeartbeats ownHeartbeats) {
        this.master = master;
        this.breakers = breakers;
        this.hlc = hlc;
        this.ownHeartbeats = ownHeartbeats;
    }

    /** Write-through of an entry PostgreSQL holds. False when Redis already had a newer one. */
    public boolean project(Entry entry) {
        return project(entry, Optional.empty());
    }

    /**
     * The same, for a write that came with an Idempotency-Key: its answer is recorded in the
     * buffer's records too, so that a retry while the primary is unreachable finds it.
     */
    @WithSpan(value = "redis.project", kind = SpanKind.CLIENT)
    public boolean project(Entry entry, Optional<IdempotencyKey> idempotency) {
        Span span = Span.current();
        return master.call(node -> {
            // The master the call went to (a new one when the old turned replica); EVAL only
            // follows when the server lost the cached script.
            DbSpans.describe(span, DbSpans.REDIS, "EVALSHA", node.address());
            return PutEntry.project(node, entry, idempotency);
        });
    }

    /**
     * The version the projection on the master holds for a key: buffered writes are projected
     * there when they are accepted, so one newer than the primary's row waits for
     * reconciliation.
     *
     * @return the version, 0 when the projection holds nothing for the key
     * @throws io.captier.failure.StoreUnavailableException the master cannot be asked
     */
    public long projectedVersion(String key) {
        Response r = master.call(node -> node.send(Request.cmd(Command.HGET).arg(RedisKeys.entry(key)).arg(EntryFields.VERSION)));
        return r == null ? 0 : Long.parseLong(r.toString());
    }

    /**
     * Read a key from one node, without blocking: the command goes out on the node's pooled
     * connection and the answer is decoded on the thread that receives it (an event loop).
     * A version read is observed by the HLC (docs/architecture.md A6).
     *
     * @param isMaster whether {@code node} is asked as the master (its breaker is then
     *                 {@value Breakers#REDIS_MASTER}, else the replica's own)
     * @return the entry, empty when the projection has no such key; fails with
     *         {@link io.captier.failure.StoreUnavailableException} (node unreachable, too slow,
     *         breaker open) or {@link RedisNode.RedisErrorReply}
     */
    @WithSpan(value = "redis.read", kind = SpanKind.CLIENT)
    public CompletionStage<Optional<Entry>> read(RedisNode node, boolean isMaster, String key) {
        DbSpans.describe(Span.current(), DbSpans.REDIS, "HMGET", node.address());
        Breaker breaker = breakers.get(isMaster ? Breakers.REDIS_MASTER : Breakers.redisReplica(node.address()));
        return breaker.callAsync(() -> node.read(EntryFields.read(key))).thenApply(r -> {
            Optional<Entry> found = EntryFields.decode(key, r);
            found.ifPresent(e -> hlc.observe(e.version()));
            return found;
        });
    }

    /** Whether the projection was ever filled completely (and has not been emptied since). */
    public boolean projectionComplete() {
        return master.call(node -> node.send(Request.cmd(Command.EXISTS).arg(RedisKeys.PROJECTION_COMPLETE)).toInteger() == 1);
    }

    /** A full resync from PostgreSQL finished: the projection holds every key. */
    public void markProjectionComplete() {
        master.call(node -> node.send(Request.cmd(Command.SET).arg(RedisKeys.PROJECTION_COMPLETE).arg(System.currentTimeMillis())));
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

    /** Record this instance's heartbeat on the master; replicas replay it (docs/architecture.md A3). */
    public Beat heartbeat(String instance, long atMs) {
        ownHeartbeats.writing(atMs);
        return master.call(node -> {
            Response previous = node.send(Request.cmd(Command.SET).arg(RedisKeys.heartbeat(instance)).arg(atMs).arg("GET"));
            String info = node.send(Request.cmd(Command.INFO).arg("server")).toString();
            int at = info.indexOf("run_id:");
            String runId = at < 0 ? "?" : info.substring(at + 7, info.indexOf('\n', at)).trim();
            return new Beat(previous == null ? -1 : Long.parseLong(previous.toString()), node.address() + "/" + runId);
        });
    }
}
