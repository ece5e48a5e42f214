package io.captier.mode;

import io.captier.config.CaptierConfig;
import io.captier.failure.BufferedWritesPending;
import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.StoreUnavailableException;
import io.captier.store.BufferedWrite;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Projection;
import io.captier.store.hintlog.HintLog;
import io.captier.store.postgres.PgStore;
import io.captier.store.redis.RedisNode;
import io.captier.store.redis.RedisStore;
import io.captier.version.Hlc;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * AP (docs/architecture.md A1-A6): answer while this instance runs, and say how. Reads are
 * {@link AvailableReads}'s.
 *
 * <p>Writes commit on the PostgreSQL primary and are written through to Redis; when the
 * primary cannot take them they go to the Redis pending stream, or the instance's own
 * hint log (202), to be reconciled ({@link WriteBuffers}). A retry is answered as its first
 * attempt was ({@link FirstAttempts}); one whose first attempt may wait on the Redis stream
 * unseen (Redis cannot be asked) goes to the hint log too.
 */
@ApplicationScoped
public class AvailableContract implements KvContract {

    private final AvailableReads reads;
    private final PgStore postgres;
    private final HintLog hints;
    private final Projection projection;
    private final RedisStore redis;
    private final Hlc hlc;
    private final String instanceId;
    private final BrokenOnPurpose broken;
    private final WriteBuffers buffers;
    private final FirstAttempts firstAttempts;

    public AvailableContract(AvailableReads reads, PgStore postgres, HintLog hints, Projection projection,
                             RedisStore redis, Hlc hlc, CaptierConfig config, BrokenOnPurpose broken,
                             WriteBuffers buffers, FirstAttempts firstAttempts) {
        this.redis = redis;
        this.broken = broken;
        this.reads = reads;
        this.postgres = postgres;
        this.hints = hints;
        this.projection = projection;
        this.hlc = hlc;
        this.instanceId = config.instanceId();
        this.buffers = buffers;
        this.firstAttempts = firstAttempts;
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
            FirstAttempts.FirstAttempt first = firstAttempts.find(request, idempotency.get());
            if (first.answer().isPresent()) {
                return WriteBuffers.replayed(request, first.answer().get());
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
            return buffers.buffered(request, new BufferedWrite(proposed, idempotency), startedAt, false);
        }
        PgStore.Committed committed;
        try {
            committed = postgres.writeChoosingVersionFirst(proposed, ConsistentContract.idempotency(request));
            if (!committed.replayed()) {
                Entry stored = ConsistentContract.stored(proposed, committed);
                projection.writeThrough(stored, idempotency, startedAt.atMs());
                buffers.rememberOwnWrite(stored, startedAt);
            }
        } catch (OutcomeUnknownException unknown) {
            // Buffering a write whose commit may have happened is safe at the version that
            // commit gives it: reconciling the same version again changes nothing, and its
            // Idempotency-Key is claimed once. At the proposed one it would be acknowledged at
            // a version it never has, below the row it overwrote (found by the 60-minute soak).
            Entry asCommitted = unknown.version().isPresent() ? proposed.withVersion(unknown.version().getAsLong()) : proposed;
            try {
                return buffers.buffered(request, new BufferedWrite(asCommitted, idempotency), startedAt, true);
            } catch (StoreUnavailableException noBuffer) {
                // No buffer took it, but the commit may have happened: still unknown, never "not
                // applied" (the 60-minute soak: a retry was then answered by the primary's claim).
                throw unknown;
            }
        } catch (StoreUnavailableException primaryDown) {
            return buffers.buffered(request, new BufferedWrite(proposed, idempotency), startedAt, true);
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
            buffers.rememberOwnWrite(stored, startedAt);
        }
        return new WriteResult(request.key(), committed.version(), committed.origin(), Durability.PRIMARY,
                committed.replayed());
    }
}
