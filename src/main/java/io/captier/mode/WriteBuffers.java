package io.captier.mode;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.StoreUnavailableException;
import io.captier.staleness.Staleness;
import io.captier.store.BufferedWrite;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Replay;
import io.captier.store.hintlog.HintLog;
import io.captier.store.local.LastKnownCache;
import io.captier.store.redis.PendingStream;
import io.captier.store.redis.RedisNode;
import io.captier.version.MonotonicClock;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The available profile's buffers for a write the primary cannot take (docs/architecture.md
 * A5): the Redis pending stream when every replica a failover may promote confirms it, else
 * this instance's hint log, fsync'd before the answer. Also what a buffered write leaves
 * behind: the last-known cache entry, the staleness of the primary, the answer a retry is
 * given again ({@link BufferedAnswers}).
 */
@ApplicationScoped
class WriteBuffers {

    private final PendingStream pending;
    private final HintLog hints;
    private final LastKnownCache cache;
    private final Staleness staleness;
    private final BrokenOnPurpose broken;
    private final BufferedAnswers bufferedAnswers = new BufferedAnswers();

    /** The hint log is no bean (no interceptor can wrap it): its append gets a span here. */
    @Inject
    Tracer tracer;

    WriteBuffers(PendingStream pending, HintLog hints, LastKnownCache cache, Staleness staleness, BrokenOnPurpose broken) {
        this.pending = pending;
        this.hints = hints;
        this.cache = cache;
        this.staleness = staleness;
        this.broken = broken;
    }

    /**
     * The answer this instance gave a keyed write it buffered on the Redis stream, if it did.
     *
     * @throws IdempotencyKeyReused that write was another request
     */
    Optional<Replay> bufferedHere(IdempotencyKey idempotency) {
        return bufferedAnswers.find(idempotency);
    }

    /**
     * Into the last-known cache as known newest as of the write's start, not its end: a newer
     * write elsewhere may have been acknowledged while this one was under way (and, from a
     * clock ahead, a moment before it started), so it may be born stale ({@link Staleness#ofOwnWrite}).
     */
    void rememberOwnWrite(Entry written, Started startedAt) {
        cache.remember(written, staleness.ofOwnWrite(written.version(), startedAt.wallMs()), startedAt.atMs());
    }

    /**
     * The Redis pending stream when its replicas confirm the write (or confirm the newer
     * version the projection already holds: the write lost last-writer-wins); otherwise (a
     * replica that did not confirm in time — a failover to it would lose the write) the local
     * hint log too, fsync'd before the answer; with Redis unreachable, the hint log alone.
     *
     * <p>With Redis unreachable, a write's Idempotency-Key can be checked only against this
     * instance's hint log: a retry whose first attempt waits in another instance's hint log
     * is taken as well, and reconciliation applies the key once, the first attempt to reach
     * the primary (docs/decisions.md, Buffers); one whose first attempt may wait on the Redis
     * buffer is reconciled only after that buffer's record of the key is checked
     * ({@code Reconciler}).
     *
     * @param tryRedis false when Redis just failed to answer for this write: the hint log alone
     */
    WriteResult buffered(WriteRequest request, BufferedWrite write, Started startedAt, boolean tryRedis) {
        Entry proposed = write.entry();
        Durability durability;
        if (broken.dropBufferedWrites()) {
            durability = Durability.REPLICATED_BUFFER;
        } else {
            PendingStream.Outcome outcome = null;
            try {
                outcome = tryRedis ? pending.buffer(proposed, write.idempotency()) : null;
            } catch (StoreUnavailableException | RedisNode.RedisErrorReply redisDown) {
                outcome = null;
            }
            if (outcome instanceof PendingStream.Replayed replayed) {
                return replayed(request, kept(request, write.idempotency().orElseThrow(), replayed.first(),
                        replayed::confirmed));
            }
            if (outcome instanceof PendingStream.Confirmed
                    || outcome instanceof PendingStream.Superseded superseded && superseded.confirmed()
                    || ((outcome instanceof PendingStream.Unconfirmed || outcome instanceof PendingStream.Superseded)
                        && broken.trustUnconfirmedBuffers())) {
                durability = Durability.REPLICATED_BUFFER;
            } else {
                Optional<HintLog.Pending> first = appendHint(write, outcome);
                if (first.isPresent()) {
                    return replayed(request, new Replay(first.get().entry().version(), first.get().entry().origin(),
                            Durability.LOCAL.wireName()));
                }
                durability = Durability.LOCAL;
            }
        }
        staleness.buffered(startedAt.atMs());
        rememberOwnWrite(proposed, startedAt);
        if (durability == Durability.REPLICATED_BUFFER) {
            write.idempotency().ifPresent(key -> bufferedAnswers.remember(key,
                    new Replay(proposed.version(), proposed.origin(), durability.wireName())));
        }
        return new WriteResult(request.key(), proposed.version(), proposed.origin(), durability, false);
    }

    /**
     * The first answer of an attempt found on the Redis buffer, as true now as this instance
     * can make it. A record says {@code replicated-buffer} from its script on, before the
     * first attempt's WAIT; when its instance died before it heard the replicas did not
     * confirm (or could not mark the record {@code local}), only the master holds the copy,
     * and a failover loses it. Unless the replicas confirm it now, this instance keeps the
     * write in its own hint log, with the first attempt's version and origin (the
     * fingerprint says it is the same request), and answers {@code local}: the same version,
     * and the durability this instance can vouch for (docs/decisions.md, Buffers).
     *
     * @param replicasHoldIt asked only for a replicated-buffer answer: whether the replicas
     *                       hold the copy now
     * @throws OutcomeUnknownException the hint log cannot be written: the write may be on the
     *                                 Redis master only, so neither 202 nor "not applied" is true
     */
    Replay kept(WriteRequest request, IdempotencyKey idempotency, Replay first, BooleanSupplier replicasHoldIt) {
        if (!Durability.REPLICATED_BUFFER.wireName().equals(first.where()) || broken.trustUnconfirmedBuffers()
                || replicasHoldIt.getAsBoolean()) {
            return first;
        }
        Entry copy = new Entry(request.key(), request.value(), request.contentType(), first.version(), first.origin(),
                request.delete());
        Entry held = appendHint(new BufferedWrite(copy, Optional.of(idempotency)), new PendingStream.Unconfirmed())
                .map(HintLog.Pending::entry).orElse(copy);
        staleness.buffered(MonotonicClock.millis());
        return new Replay(held.version(), held.origin(), Durability.LOCAL.wireName());
    }

    /** A write answered as its first attempt was (same version, origin and durability). */
    static WriteResult replayed(WriteRequest request, Replay first) {
        return new WriteResult(request.key(), first.version(), first.origin(), Durability.fromWireName(first.where()),
                true);
    }

    /**
     * Into the hint log, fsync'd, unless an attempt with the same Idempotency-Key is pending
     * there (a concurrent retry on this instance): then that one is the answer. When Redis
     * answered (its record of the key then exists), the record says {@code local}.
     *
     * @param outcome what the Redis buffer said ({@code Unanswered}: the script was sent and may
     *                have run), null when the script was not sent
     * @throws OutcomeUnknownException the hint log cannot be written, and the write is or may
     *                                 be on the Redis stream unconfirmed
     * @throws StoreUnavailableException the hint log cannot be written, and nothing else holds the write
     */
    private Optional<HintLog.Pending> appendHint(BufferedWrite write, PendingStream.Outcome outcome) {
        Span span = tracer.spanBuilder("hintlog.append").startSpan();
        try (var scope = span.makeCurrent()) {
            Optional<HintLog.Pending> first = hints.appendUnlessPending(write);
            if (first.isPresent()) {
                if (write.idempotency().orElseThrow().conflictsWith(
                        first.get().write().idempotency().orElseThrow().fingerprint())) {
                    throw new IdempotencyKeyReused();
                }
                return first;
            }
        } catch (IOException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            if (outcome != null) {
                // The script ran, or may have: the write is (or may be) on the pending stream
                // unconfirmed, to be reconciled or lost with a failover; or it lost to a newer
                // version only the master holds. Either way the key's record now holds this
                // write's answer, which a retry is given. Neither 202 nor "not applied" is true
                // (the superseded case found by the 60-minute soak).
                throw new OutcomeUnknownException("the write is, or may be, on the Redis buffer, unconfirmed, "
                        + "and the hint log cannot be written", e);
            }
            throw new StoreUnavailableException("no buffer can take the write (the hint log cannot be written)",
                    e.getMessage(), e, 1000);
        } finally {
            span.end();
        }
        if (outcome != null && !(outcome instanceof PendingStream.Unanswered)) {
            // Not after a call with no answer: its script may have found another attempt's
            // record, which must keep its own durability (a retry checks the replicas for it).
            write.idempotency().ifPresent(key -> {
                try {
                    pending.answeredLocal(key);
                } catch (RuntimeException failed) {
                    // A retry is then answered replicated-buffer: the write is on the stream too.
                }
            });
        }
        return Optional.empty();
    }
}
