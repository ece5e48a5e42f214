package io.captier.store.redis;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.DbSpans;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Replay;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The replicated buffer (docs/architecture.md A5), its writing side: writes PostgreSQL could
 * not take go onto the Redis stream {@value RedisKeys#PENDING}, with the record an
 * Idempotency-Key's retry is answered from, until a reconciler applies them
 * ({@link PendingStreamConsumer} is the draining side).
 */
@ApplicationScoped
public class PendingStream {


    private final MasterCalls master;
    private final ReplicaConfirmation replicas;

    public PendingStream(MasterCalls master, ReplicaConfirmation replicas) {
        this.master = master;
        this.replicas = replicas;
    }

    /** What became of a write offered to the buffer. */
    public sealed interface Outcome permits Confirmed, Unconfirmed, Superseded, Replayed, Unanswered {
    }

    /** On the master and on every replica a failover may promote. */
    public record Confirmed() implements Outcome {
    }

    /** On the master only, as far as anyone knows: it needs another copy. */
    public record Unconfirmed() implements Outcome {
    }

    /**
     * Not buffered: the projection holds this version or a newer one already.
     *
     * @param confirmed the replicas hold that version too (put-entry.lua writes on this path
     *                  so that WAIT covers it); false: it may be on the master only
     */
    public record Superseded(boolean confirmed) implements Outcome {
    }

    /**
     * Sent to the master, and no answer came (the network timeout, a connection lost): the
     * script may have run after all, so the write may be on the master only, as
     * {@link Unconfirmed}, or nowhere. Whoever keeps the write elsewhere treats it as
     * unconfirmed; if it cannot, neither "accepted" nor "not applied" is true (found by the
     * 40-minute soak with disks: a delete answered "not applied" whose retry was then
     * answered as its replay).
     */
    public record Unanswered() implements Outcome {
    }

    /**
     * Not buffered: the Idempotency-Key's first attempt is already buffered, with this
     * answer. The record is written before the first attempt's WAIT and stays when its
     * replicas never confirmed it, so {@code confirmed} says whether they hold it now.
     */
    public record Replayed(Replay first, boolean confirmed) implements Outcome {
    }

    /**
     * Accept a write PostgreSQL could not take: into the projection (readable at once) and
     * onto the stream, atomically, with its Idempotency-Key's record when it has one (kept
     * {@value IdempotencyKey#RETENTION_HOURS} h); then wait until every replica a failover
     * may promote holds it too ({@link ReplicaConfirmation}): whichever of them is promoted, the write is
     * there. A write not newer than the projection is not buffered ({@link Superseded}).
     *
     * @return confirmed or unconfirmed (buffered), superseded, or the first answer of an
     *         earlier attempt with the same key (not buffered; each says whether the replicas
     *         hold the copy that was there); unanswered when the script was sent and neither its
     *         answer nor an error came back in time (also, cautiously, when a READONLY refusal
     *         was followed by no new master)
     * @throws IdempotencyKeyReused the key was used for another request (nothing written)
     * @throws StoreUnavailableException the script was not sent, and never will be (no master
     *                                   known, its breaker open, no connection in time): nothing
     *                                   was written
     * @throws RedisNode.RedisErrorReply the master refused the script: nothing was written
     */
    @WithSpan(value = "redis.buffer", kind = SpanKind.CLIENT)
    public Outcome buffer(Entry entry, Optional<IdempotencyKey> idempotency) {
        AtomicReference<Response> script = new AtomicReference<>();
        AtomicReference<RedisNode.Attempt> attempt = new AtomicReference<>();
        Span span = Span.current();
        // The script (projection, XADD onto the stream, idempotency record), then the replicas.
        boolean confirmed;
        try {
            confirmed = master.call(node -> {
                DbSpans.describe(span, DbSpans.REDIS, "EVAL", node.address());
                Set<String> promotable = replicas.replicasOf(node.address());
                // On a new master after a READONLY refusal, a new attempt: the refusal was an
                // answer, nothing was written.
                RedisNode.Attempt onThisMaster = new RedisNode.Attempt();
                attempt.set(onThisMaster);
                return node.onOneConnection(onThisMaster, conn -> conn.send(PutEntry.buffered(entry, idempotency))
                        .compose(answer -> {
                            script.set(answer);
                            return replicas.held(conn, promotable);
                        }));
            });
        } catch (StoreUnavailableException | RedisNode.RedisErrorReply afterTheScript) {
            if (script.get() == null) {
                // Settled once the call returned: a connection that comes later is not used.
                // Asked here, not of the exception's type: the breaker's backstop replaces it.
                if (afterTheScript instanceof StoreUnavailableException && attempt.get() != null
                        && attempt.get().started()) {
                    return new Unanswered(); // sent: it may run, or have run, all the same
                }
                throw afterTheScript;
            }
            // The script ran, so the write is on the stream; only the replicas' answer is missing
            // (a demoted node refusing WAIT, a connection lost): it is unconfirmed, not "not applied".
            confirmed = false;
        }
        Response answer = script.get();
        int status = answer.get(0).toInteger();
        if (status == -1) {
            throw new IdempotencyKeyReused();
        }
        if (status == 2) {
            return new Replayed(replay(answer, 1), confirmed);
        }
        if (status == 0) {
            return new Superseded(confirmed);
        }
        return confirmed ? new Confirmed() : new Unconfirmed();
    }

    /**
     * The first answer of a buffered write with this Idempotency-Key, if the buffer holds one.
     * A {@code replicated-buffer} answer is what the record says from its script on, before
     * the first attempt's WAIT: whether the replicas hold the copy is {@link #replicasHoldRecord}'s.
     *
     * @throws IdempotencyKeyReused the key was used for another request
     */
    public Optional<Replay> replayOf(IdempotencyKey idempotency) {
        Response rec = master.call(node -> node.send(Request.cmd(Command.HMGET)
                .arg(RedisKeys.idempotency(idempotency.key())).arg("fp").arg("ver").arg("o").arg("dur")));
        if (rec == null || rec.get(0) == null) {
            return Optional.empty();
        }
        if (idempotency.conflictsWith(rec.get(0).toString())) {
            throw new IdempotencyKeyReused();
        }
        return Optional.of(replay(rec, 1));
    }

    /** The record's version, origin and durability, at {@code at} and the two answers after it. */
    private static Replay replay(Response answer, int at) {
        return new Replay(Long.parseLong(answer.get(at).toString()), answer.get(at + 1).toString(),
                answer.get(at + 2).toString());
    }

    /**
     * Whether every replica a failover may promote holds the record {@link #replayOf}
     * found, and so the copy that the record's script wrote with it (a replica applies a
     * script whole). On one connection: the record is touched (its life renewed, as a retry
     * through {@link #buffer} does), read back, and if it is still that record (the same
     * version and origin: a failover since may have replaced it), WAIT covers the touch and
     * everything before it.
     *
     * @param first what {@link #replayOf} found
     * @return false when the replicas did not confirm within the WAIT, or the record is gone
     *         or another one (expired, or lost with a failover)
     */
    public boolean replicasHoldRecord(IdempotencyKey idempotency, Replay first) {
        String record = RedisKeys.idempotency(idempotency.key());
        return master.call(node -> node.onOneConnection(conn -> conn.send(Request.cmd(Command.EXPIRE).arg(record)
                        .arg(TimeUnit.HOURS.toSeconds(IdempotencyKey.RETENTION_HOURS)))
                .compose(touched -> conn.send(Request.cmd(Command.HMGET).arg(record).arg("ver").arg("o"))
                        .map(rec -> touched.toInteger() == 1 && rec.get(0) != null && rec.get(1) != null
                                && Long.toString(first.version()).equals(rec.get(0).toString())
                                && rec.get(1).toString().equals(first.origin())))
                .compose(same -> !same ? Future.succeededFuture(false)
                        : replicas.held(conn, replicas.replicasOf(node.address())))));
    }

    /**
     * The write of this Idempotency-Key was acknowledged as {@code local} (the replicas did
     * not confirm it, so it went to the hint log too): a retry is answered so as well.
     * Best effort: the record only says how the first answer was given.
     */
    public void answeredLocal(IdempotencyKey idempotency) {
        String record = RedisKeys.idempotency(idempotency.key());
        // EXPIRE NX: a record lost meanwhile (a failover) leaves a hash of this one field,
        // which must not stay forever; a record's own life is kept.
        master.call(node -> node.onOneConnection(conn -> conn.send(Request.cmd(Command.HSET).arg(record)
                        .arg("dur").arg("local"))
                .compose(set -> conn.send(Request.cmd(Command.EXPIRE).arg(record)
                        .arg(TimeUnit.HOURS.toSeconds(IdempotencyKey.RETENTION_HOURS)).arg("NX")))));
    }
}
