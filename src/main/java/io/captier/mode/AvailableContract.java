package io.captier.mode;

import io.captier.config.CaptierConfig;
import io.captier.failure.BufferedWritesPending;
import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.StoreUnavailableException;
import io.captier.staleness.Staleness;
import io.captier.store.BufferedWrite;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Projection;
import io.captier.store.Replay;
import io.captier.store.hintlog.HintLog;
import io.captier.store.local.LastKnownCache;
import io.captier.store.postgres.PgStore;
import io.captier.store.redis.PendingStream;
import io.captier.store.redis.RedisNode;
import io.captier.store.redis.RedisStore;
import io.captier.version.Hlc;
import io.captier.version.MonotonicClock;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * AP (docs/architecture.md A1-A6): answer while this instance runs, and say how. Reads are
 * {@link AvailableReads}'s.
 *
 * <p>Writes commit on the PostgreSQL primary and are written through to Redis; when the
 * primary cannot take them they go to the Redis pending stream, or the instance's own
 * hint log (202), to be reconciled. A retry whose first attempt may wait on the Redis
 * stream unseen (Redis cannot be asked) goes to the hint log too.
 */
@ApplicationScoped
public class AvailableContract implements KvContract {

    private final AvailableReads reads;
    private final PgStore postgres;
    private final PendingStream pending;
    private final HintLog hints;
    private final Projection projection;
    private final RedisStore redis;
    private final LastKnownCache cache;
    private final Staleness staleness;
    private final Hlc hlc;
    private final String instanceId;
    private final BrokenOnPurpose broken;
    private final BufferedAnswers bufferedAnswers = new BufferedAnswers();

    /** The hint log is no bean (no interceptor can wrap it): its append gets a span here. */
    @Inject
    Tracer tracer;

    public AvailableContract(AvailableReads reads, PgStore postgres, PendingStream pending, HintLog hints, Projection projection,
                             RedisStore redis, LastKnownCache cache, Staleness staleness, Hlc hlc,
                             CaptierConfig config, BrokenOnPurpose broken) {
        this.redis = redis;
        this.broken = broken;
        this.reads = reads;
        this.postgres = postgres;
        this.pending = pending;
        this.hints = hints;
        this.projection = projection;
        this.cache = cache;
        this.staleness = staleness;
        this.hlc = hlc;
        this.instanceId = config.instanceId();
    }

    @Override
    public Mode mode() {
        return Mode.AVAILABLE;
    }

    /** Walks the read chain: {@link AvailableReads#read}. */
    @Override
    public CompletionStage<ReadResult> read(ReadRequest request) {
        return reads.read(request);
    }

    /**
     * Commit on the primary, else buffer (docs/architecture.md A5). With an Idempotency-Key (A8), a retry
     * is first looked for where its first attempt may wait: this instance's hint log, then
     * the Redis buffer's record; found, the first answer is given again (same version and
     * origin; the same durability or better, but for a {@code replicated-buffer} copy the
     * replicas do not confirm now, which this instance then keeps in its hint log and answers
     * {@code local}), and no new version is written. Reconciliation applies a key once.
     *
     * A retry whose first attempt no store can show (it waits in another instance's hint
     * log) is taken again (docs/decisions.md, "A retry no store can check is taken").
     *
     * @throws IdempotencyKeyReused      the key belongs to another request (422)
     * @throws StoreUnavailableException no buffer can take it (503, not applied)
     * @throws OutcomeUnknownException   the write may be on the Redis master only, or committed
     *                                   on the primary, and the hint log cannot take it (503,
     *                                   outcome unknown)
     */
    @Override
    public WriteResult write(WriteRequest request) {
        Started startedAt = Started.now();
        Optional<IdempotencyKey> idempotency = broken.ignoreIdempotencyInBuffers()
                ? Optional.empty() : ConsistentContract.idempotency(request);
        boolean bufferUnchecked = false;
        if (idempotency.isPresent()) {
            FirstAttempt first = firstAttempt(request, idempotency.get());
            if (first.answer().isPresent()) {
                return replayed(request, first.answer().get());
            }
            bufferUnchecked = first.bufferUnchecked();
        }
        Entry proposed = new Entry(request.key(), request.value(), request.contentType(), hlc.next(), instanceId,
                request.delete());
        if (request.precondition().isPresent()) {
            return conditional(request, proposed, startedAt);
        }
        if (bufferUnchecked) {
            // The first attempt may wait on the Redis buffer, unseen from here: committed on the
            // primary, this retry would claim the key at a second acknowledged version before
            // that attempt is reconciled (found by the drill's majority ring). Taken blind into
            // the hint log instead, which reconciles it only after the Redis record is checked.
            return buffered(request, new BufferedWrite(proposed, idempotency), startedAt, false);
        }
        PgStore.Committed committed;
        try {
            committed = postgres.writeChoosingVersionFirst(proposed, ConsistentContract.idempotency(request));
            if (!committed.replayed()) {
                Entry stored = ConsistentContract.stored(proposed, committed);
                projection.writeThrough(stored, idempotency, startedAt.atMs());
                rememberOwnWrite(stored, startedAt);
            }
        } catch (OutcomeUnknownException unknown) {
            // Buffering a write whose commit may have happened is safe at the version that
            // commit gives it: reconciling the same version again changes nothing, and its
            // Idempotency-Key is claimed once. At the proposed one it would be acknowledged at
            // a version it never has, below the row it overwrote (found by the 60-minute soak).
            Entry asCommitted = unknown.version().isPresent() ? proposed.withVersion(unknown.version().getAsLong()) : proposed;
            try {
                return buffered(request, new BufferedWrite(asCommitted, idempotency), startedAt, true);
            } catch (StoreUnavailableException noBuffer) {
                // No buffer took it, but the commit may have happened: still unknown, never "not
                // applied" (the 60-minute soak: a retry was then answered by the primary's claim).
                throw unknown;
            }
        } catch (StoreUnavailableException primaryDown) {
            return buffered(request, new BufferedWrite(proposed, idempotency), startedAt, true);
        }
        if (committed.replayed()) {
            // Its first attempt's instance may have died between commit and projection. Not
            // buffered when this fails: a replay keeps the first attempt's version, so its
            // answer is then unknown (503), and the client's next retry tries again.
            projection.writeThrough(ConsistentContract.stored(proposed, committed), idempotency, startedAt.atMs());
        }
        return new WriteResult(request.key(), committed.version(), committed.origin(), Durability.PRIMARY,
                committed.replayed());
    }

    /**
     * Into the last-known cache as known newest as of the write's start, not its end: a newer
     * write elsewhere may have been acknowledged while this one was under way (and, from a
     * clock ahead, a moment before it started), so it may be born stale ({@link Staleness#ofOwnWrite}).
     */
    private void rememberOwnWrite(Entry written, Started startedAt) {
        cache.remember(written, staleness.ofOwnWrite(written.version(), startedAt.wallMs()), startedAt.atMs());
    }

    /**
     * When a write started, on two clocks: {@link MonotonicClock} for the ages measured from it
     * (the projection gap, the cache), the wall clock for comparing with versions (its HLC's).
     */
    private record Started(long atMs, long wallMs) {
        static Started now() {
            return new Started(MonotonicClock.millis(), System.currentTimeMillis());
        }
    }

    /**
     * A conditional write (docs/architecture.md C5, A8) needs the primary: a buffered write cannot be
     * conditional. And it is refused while a buffered write to the key waits for
     * reconciliation as far as this instance can see (its own hint log, or a Redis
     * projection newer than the primary's row): the row would not be the newest
     * acknowledged write to check the precondition against. An unknown outcome is answered
     * as such, not buffered.
     */
    private WriteResult conditional(WriteRequest request, Entry proposed, Started startedAt) {
        if (hints.hasPending(request.key())) {
            throw new BufferedWritesPending("a buffered write to this key waits for reconciliation on this instance: "
                    + "a conditional write cannot be checked against it yet; retry shortly");
        }
        long bufferedVersion;
        try {
            bufferedVersion = redis.projectedVersion(request.key());
        } catch (StoreUnavailableException | RedisNode.RedisErrorReply redisDown) {
            throw new StoreUnavailableException("a conditional write needs redis-master too, to see the buffered "
                    + "writes it must not skip; nothing was applied", null);
        }
        Optional<IdempotencyKey> idempotency = ConsistentContract.idempotency(request);
        PgStore.Committed committed;
        try {
            committed = postgres.writeIf(proposed, request.precondition().get(), idempotency, bufferedVersion);
        } catch (StoreUnavailableException primaryDown) {
            throw new StoreUnavailableException("a conditional write needs postgres-primary (a buffered write cannot be "
                    + "conditional): " + primaryDown.detail(), null);
        }
        Entry stored = ConsistentContract.stored(proposed, committed);
        projection.writeThrough(stored, idempotency, startedAt.atMs());
        if (!committed.replayed()) {
            rememberOwnWrite(stored, startedAt);
        }
        return new WriteResult(request.key(), committed.version(), committed.origin(), Durability.PRIMARY,
                committed.replayed());
    }

    /**
     * Where a retry's first attempt may wait for reconciliation: this instance's hint log
     * (also after a restart), then the Redis buffer's record of the key, and once found
     * there, the primary, which answers better when the write has been reconciled since.
     * A store that cannot be asked is passed over: the primary's claim still applies the
     * key at most once. A first answer that rests on a copy the replicas do not hold is not
     * given again as such ({@link #kept}).
     */
    private FirstAttempt firstAttempt(WriteRequest request, IdempotencyKey idempotency) {
        Optional<HintLog.Pending> local = hints.pendingWith(idempotency.key());
        if (local.isPresent()) {
            IdempotencyKey first = local.get().write().idempotency().orElseThrow();
            if (idempotency.conflictsWith(first.fingerprint())) {
                throw new IdempotencyKeyReused();
            }
            Entry e = local.get().entry();
            return FirstAttempt.found(new Replay(e.version(), e.origin(), Durability.LOCAL.wireName()));
        }
        Optional<Replay> buffered;
        try {
            buffered = pending.replayOf(idempotency);
        } catch (StoreUnavailableException | RedisNode.RedisErrorReply redisDown) {
            // The primary may still hold the first attempt's claim (it committed there), or
            // this instance may have buffered it on the stream itself.
            Optional<Replay> committed = committed(idempotency);
            if (committed.isPresent()) {
                return FirstAttempt.found(committed.get());
            }
            Optional<Replay> bufferedHere = bufferedAnswers.find(idempotency);
            if (bufferedHere.isPresent()) {
                // The replicas cannot be asked whether they still hold it: kept here too, local.
                return FirstAttempt.found(kept(request, idempotency, bufferedHere.get(), () -> false));
            }
            return new FirstAttempt(Optional.empty(), true);
        }
        if (buffered.isEmpty()) {
            return new FirstAttempt(Optional.empty(), false);
        }
        Optional<Replay> committed = committed(idempotency);
        if (committed.isPresent()) {
            return FirstAttempt.found(committed.get());
        }
        return FirstAttempt.found(kept(request, idempotency, buffered.get(), () -> {
            try {
                return pending.replicasHoldRecord(idempotency, buffered.get());
            } catch (StoreUnavailableException | RedisNode.RedisErrorReply redisDown) {
                return false;
            }
        }));
    }

    /** The primary's answer for the key's claim; empty when it has none or cannot be asked. */
    private Optional<Replay> committed(IdempotencyKey idempotency) {
        try {
            return postgres.replayOf(idempotency);
        } catch (StoreUnavailableException primaryDown) {
            return Optional.empty();
        }
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
    private Replay kept(WriteRequest request, IdempotencyKey idempotency, Replay first, BooleanSupplier replicasHoldIt) {
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

    /**
     * What {@link #firstAttempt} found: the first answer to give again, if any; and whether
     * the Redis buffer's record of the key could not be asked, so that a first attempt may
     * wait there unseen.
     */
    private record FirstAttempt(Optional<Replay> answer, boolean bufferUnchecked) {
        static FirstAttempt found(Replay first) {
            return new FirstAttempt(Optional.of(first), false);
        }
    }

    private WriteResult replayed(WriteRequest request, Replay first) {
        return new WriteResult(request.key(), first.version(), first.origin(), Durability.fromWireName(first.where()),
                true);
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
    private WriteResult buffered(WriteRequest request, BufferedWrite write, Started startedAt, boolean tryRedis) {
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
