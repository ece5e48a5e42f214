package io.captier.mode;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.StoreUnavailableException;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Replay;
import io.captier.store.hintlog.HintLog;
import io.captier.store.postgres.PgStore;
import io.captier.store.redis.PendingStream;
import io.captier.store.redis.RedisNode;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Finds a keyed write's first attempt for the available profile (docs/architecture.md A8):
 * a retry is answered as that attempt was, wherever it waits for reconciliation.
 */
@ApplicationScoped
class FirstAttempts {

    private final HintLog hints;
    private final PendingStream pending;
    private final PgStore postgres;
    private final WriteBuffers buffers;

    FirstAttempts(HintLog hints, PendingStream pending, PgStore postgres, WriteBuffers buffers) {
        this.hints = hints;
        this.pending = pending;
        this.postgres = postgres;
        this.buffers = buffers;
    }

    /**
     * Where a retry's first attempt may wait for reconciliation: this instance's hint log
     * (also after a restart), then the Redis buffer's record of the key, and once found
     * there, the primary, which answers better when the write has been reconciled since.
     * A store that cannot be asked is passed over: the primary's claim still applies the
     * key at most once. A first answer that rests on a copy the replicas do not hold is not
     * given again as such ({@link WriteBuffers#kept}).
     *
     * @return the first answer to give again, if found, and whether the Redis buffer could not be asked
     * @throws IdempotencyKeyReused the first attempt was another request (422)
     * @throws io.captier.failure.OutcomeUnknownException the first attempt may rest on the Redis
     *         master only and the hint log cannot keep it ({@link WriteBuffers#kept}, 503)
     */
    FirstAttempt find(WriteRequest request, IdempotencyKey idempotency) {
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
            Optional<Replay> bufferedHere = buffers.bufferedHere(idempotency);
            if (bufferedHere.isPresent()) {
                // The replicas cannot be asked whether they still hold it: kept here too, local.
                return FirstAttempt.found(buffers.kept(request, idempotency, bufferedHere.get(), () -> false));
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
        return FirstAttempt.found(buffers.kept(request, idempotency, buffered.get(), () -> {
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
     * What {@link #find} found: the first answer to give again, if any; and whether
     * the Redis buffer's record of the key could not be asked, so that a first attempt may
     * wait there unseen.
     */
    record FirstAttempt(Optional<Replay> answer, boolean bufferUnchecked) {
        static FirstAttempt found(Replay first) {
            return new FirstAttempt(Optional.of(first), false);
        }
    }
}
