package io.captier.store;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.store.hintlog.HintLog;
import io.captier.store.postgres.PgReconciliation;
import io.captier.store.redis.PendingStream;
import io.captier.store.redis.PendingStreamConsumer;
import io.captier.store.redis.RedisNode;
import io.captier.version.MonotonicClock;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drains the buffers into PostgreSQL once it is back (docs/architecture.md A5, A6): this instance's
 * hint log, and its share of the Redis pending stream. Every write is applied
 * last-writer-wins ({@link PgReconciliation#reconcile}), so applying one twice changes nothing —
 * which is what makes a crash half-way harmless: whatever was not yet marked done is
 * applied again. The winner is then written through to Redis.
 *
 * <p>While PostgreSQL is still down but Redis is back, the hint log is moved onto the
 * pending stream: its writes become visible to every instance, replicated, and any
 * instance can reconcile them.
 *
 * <p>A write with an Idempotency-Key claims the key in the same transaction that applies
 * it ({@link PgReconciliation#reconcile}): the first attempt to get there is applied, every other
 * one is skipped (docs/architecture.md A8), in whatever order the buffers drain.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    private static final int BATCH = 100;
    /** A consumer that held entries this long without acknowledging them is taken to be dead. */
    private static final long CLAIM_IDLE_MS = 15_000;

    private final PgReconciliation postgres;
    private final PendingStream pending;
    private final PendingStreamConsumer stream;
    private final HintLog hints;
    private final Projection projection;
    private final Metrics metrics;
    private final String consumer;
    private final long roundBoundMs;
    private final ScheduledExecutorService loop = Background.scheduler("reconciler", 1);
    /** Why the last round stopped short, as logged (reconciler thread only); null after a full round. */
    private String lastWait;

    public Reconciler(PgReconciliation postgres, PendingStream pending, PendingStreamConsumer stream, HintLog hints,
                      Projection projection, Metrics metrics, CaptierConfig config) {
        this.postgres = postgres;
        this.pending = pending;
        this.stream = stream;
        this.hints = hints;
        this.projection = projection;
        this.metrics = metrics;
        this.consumer = config.instanceId();
        // A round makes a few store calls per record, each bounded by NETWORK_TIMEOUT_SEC.
        this.roundBoundMs = (long) (config.networkTimeoutSec() * 3_000);
        metrics.pendingWrites("local", hints::pendingCount);
    }

    void start(@Observes StartupEvent event) {
        Background.every(loop, "reconciler", 500, 250, this::drain);
    }

    /**
     * Lets a drain round that runs finish instead of interrupting it (an interrupt closes the
     * hint log's channel under it and throws the round's progress away), bounded by a few
     * store-call timeouts; no new round starts. What is still pending stays in the hint log
     * and on the stream, both durable: the next start replays the log (HintLog's constructor)
     * and another instance claims this one's stream entries after CLAIM_IDLE_MS.
     */
    void stop(@Observes ShutdownEvent event) {
        loop.shutdown();
        try {
            if (!loop.awaitTermination(roundBoundMs, TimeUnit.MILLISECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
        long left = hints.pendingCount();
        if (left > 0) {
            LogEvent.of("HINT_LOG_PENDING_AT_SHUTDOWN").with(LogEvent.COUNT, left)
                    .info(LOG, "buffered writes stay in the hint log and are replayed on the next start");
        }
    }

    private void drain() {
        try {
            drainHints();
            drainStream();
            lastWait = null;
        } catch (StoreUnavailableException notYet) {
            // Once per cause, not per round: a wait that never ends (two soaks and a CI run had
            // buffered writes stay on the stream with every thread idle) must be visible.
            String why = notYet.getMessage() + " (" + Metrics.describeError(notYet) + ")";
            if (!why.equals(lastWait)) {
                lastWait = why;
                LogEvent.of("RECONCILIATION_WAITS").with(LogEvent.ERROR, why)
                        .warn(LOG, "buffered writes wait for a store");
            }
        } catch (RuntimeException | IOException e) {
            LOG.warnf("reconciliation interrupted: %s", Metrics.describeError(e));
        }
    }

    /**
     * Hint log first: it is the least durable buffer (one disk). Progress is recorded once
     * for everything applied, also when a failure stops the round half-way.
     */
    private void drainHints() throws IOException {
        long done = -1;
        try {
            for (HintLog.Pending p : hints.pending()) {
                FirstAttempt first = firstAttempt(p.write());
                if (first == FirstAttempt.UNKNOWN) {
                    break; // Redis cannot be asked: the write waits here until it can
                }
                try {
                    if (first == FirstAttempt.ELSEWHERE) {
                        skipped(p.write(), "the Redis buffer holds another attempt of its Idempotency-Key");
                    } else {
                        apply(p.write());
                    }
                } catch (StoreUnavailableException postgresDown) {
                    // Onto the replicated buffer, if a replica confirms it; else it stays here.
                    if (!movedToStream(p.write())) {
                        break;
                    }
                }
                done = p.endOffset();
            }
        } finally {
            if (done >= 0) {
                hints.drained(done);
            }
        }
    }

    /** Where a hint-log write's Idempotency-Key was first attempted, as the Redis buffer says. */
    private enum FirstAttempt { THIS_ONE, ELSEWHERE, UNKNOWN }

    /**
     * Whether another attempt of this write's Idempotency-Key is on the Redis buffer: its
     * record names another version or origin. A hint-log write may be a retry taken blind
     * (docs/decisions.md, Buffers: this instance could not ask Redis when it took it), while
     * the first attempt, acknowledged from the stream, is not yet in PostgreSQL; applied
     * first, the retry would claim the key and the first acknowledged version would be
     * skipped. So the first attempt is the one applied, and this one is skipped, once the
     * replicas hold that record (a failover keeps it). A key reused by another request is
     * left to the primary's claim.
     *
     * @return THIS_ONE for a write without a key, or whose key's record is absent or its own;
     *         UNKNOWN when Redis cannot be asked or its replicas do not confirm the other record
     */
    private FirstAttempt firstAttempt(BufferedWrite write) {
        if (write.idempotency().isEmpty()) {
            return FirstAttempt.THIS_ONE;
        }
        IdempotencyKey key = write.idempotency().get();
        try {
            Optional<Replay> other = pending.replayOf(key).filter(first -> first.version() != write.entry().version()
                    || !first.origin().equals(write.entry().origin()));
            if (other.isEmpty()) {
                return FirstAttempt.THIS_ONE;
            }
            // Only once the replicas hold it: a record only the master has may go with a
            // failover, and this write with it (the review of the first version found it).
            return pending.replicasHoldRecord(key, other.get()) ? FirstAttempt.ELSEWHERE : FirstAttempt.UNKNOWN;
        } catch (IdempotencyKeyReused conflict) {
            return FirstAttempt.THIS_ONE;
        } catch (StoreUnavailableException | RedisNode.RedisErrorReply redisDown) {
            return FirstAttempt.UNKNOWN;
        }
    }

    private void drainStream() {
        List<PendingStreamConsumer.Buffered> batch;
        do {
            batch = stream.take(consumer, BATCH, CLAIM_IDLE_MS);
            List<String> done = new ArrayList<>();
            for (PendingStreamConsumer.Buffered b : batch) {
                if (b.entry() != null) {
                    apply(new BufferedWrite(b.entry(), b.idempotency()));
                }
                done.add(b.id());
            }
            stream.settle(done);
        } while (batch.size() == BATCH);
    }

    /**
     * The hint log lets a write go only to PostgreSQL or to a copy on the stream that the
     * replicas confirmed: a fresh one, or the one found there (this write's own earlier
     * attempt, or a newer version of the key) once the replicas hold it too. An earlier
     * copy is often the unconfirmed attempt that sent the write to the hint log in the first
     * place; taken on the master's word, a failover to a replica without it lost an
     * acknowledged write (found by the drill's partitions).
     *
     * @return true when the replicas hold this write, or a newer version of its key
     */
    private boolean movedToStream(BufferedWrite write) {
        try {
            PendingStream.Outcome outcome = pending.buffer(write.entry(), write.idempotency());
            if (outcome instanceof PendingStream.Superseded superseded) {
                return superseded.confirmed();
            }
            if (outcome instanceof PendingStream.Replayed replayed) {
                return replayed.confirmed() && replayed.first().version() == write.entry().version()
                        && write.entry().origin().equals(replayed.first().origin());
            }
            return outcome instanceof PendingStream.Confirmed;
        } catch (IdempotencyKeyReused conflict) {
            return false; // the primary's claim decides which request is applied (docs/architecture.md A8)
        }
    }

    private void apply(BufferedWrite buffered) {
        long started = MonotonicClock.millis();
        PgReconciliation.Reconciled done = postgres.reconcile(buffered.entry(), buffered.idempotency());
        switch (done.outcome()) {
            case APPLIED -> {
                projection.writeThrough(done.row(), started);
                metrics.reconciled(1);
            }
            case DUPLICATE -> skipped(buffered, "its Idempotency-Key was applied already");
            case CONFLICT -> conflicting(buffered);
        }
    }

    private static void skipped(BufferedWrite write, String why) {
        LogEvent.of("IDEMPOTENT_RETRY_SKIPPED").with(LogEvent.KEY, write.entry().key())
                .with(LogEvent.VERSION, write.entry().version()).debug(LOG, why);
    }

    /**
     * A buffered write whose Idempotency-Key another request was applied with. Only one of
     * them may be (docs/architecture.md A8); the first to reach the primary was. This one was accepted
     * while no store could tell (docs/decisions.md, Buffers), and is skipped.
     */
    private static void conflicting(BufferedWrite write) {
        LogEvent.of("IDEMPOTENCY_CONFLICT").with(LogEvent.KEY, write.entry().key())
                .with(LogEvent.VERSION, write.entry().version()).with(LogEvent.ORIGIN, write.entry().origin())
                .warn(LOG, "its Idempotency-Key was applied with another request; skipped");
    }
}
