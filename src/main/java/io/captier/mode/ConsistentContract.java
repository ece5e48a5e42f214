package io.captier.mode;

import io.captier.config.CaptierConfig;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Projection;
import io.captier.store.Source;
import io.captier.store.postgres.PgCluster;
import io.captier.store.postgres.PgReads;
import io.captier.store.postgres.PgStore;
import io.captier.version.Hlc;
import io.captier.version.MonotonicClock;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * CP (docs/architecture.md C1-C4): every read and write goes to the one unfenced PostgreSQL primary
 * over a primary-only connection. Anything else — no primary, a timeout, an open
 * breaker — is a refusal, never an older value. The Redis projection is fed after the
 * commit and before the answer (see {@link Projection#writeThrough}); a Redis failure
 * never fails the write, it only costs the time its breaker takes to open.
 */
@ApplicationScoped
public class ConsistentContract implements KvContract {

    private final PgStore postgres;
    private final PgReads reads;
    private final Projection projection;
    private final Hlc hlc;
    private final String instanceId;
    private final PgCluster cluster;
    private final BrokenOnPurpose broken;
    private final Vertx vertx;

    public ConsistentContract(PgStore postgres, PgReads reads, Projection projection, Hlc hlc, CaptierConfig config,
                              PgCluster cluster, BrokenOnPurpose broken, Vertx vertx) {
        this.vertx = vertx;
        this.postgres = postgres;
        this.reads = reads;
        this.cluster = cluster;
        this.broken = broken;
        this.projection = projection;
        this.hlc = hlc;
        this.instanceId = config.instanceId();
    }

    @Override
    public Mode mode() {
        return Mode.CONSISTENT;
    }

    /** On the primary only (C1), over JDBC: on a worker thread, never on the caller's event loop. */
    @Override
    public CompletionStage<ReadResult> read(ReadRequest request) {
        return vertx.executeBlocking(() -> readOnPrimary(request), false).toCompletionStage();
    }

    private ReadResult readOnPrimary(ReadRequest request) {
        if (broken.consistentReadsFromStandby()) {
            Optional<PgReads.Stored> stale = cluster.standby().map(node -> reads.readStandby(node, request.key()));
            if (stale.isPresent()) {
                return new ReadResult(request.key(), stale.get().entry(), Source.POSTGRES_PRIMARY, 0, false);
            }
        }
        PgReads.Stored stored = reads.readPrimary(request.key());
        return new ReadResult(request.key(), stored.entry(), Source.POSTGRES_PRIMARY, 0, false);
    }

    @Override
    public WriteResult write(WriteRequest request) {
        long startedAt = MonotonicClock.millis();
        Entry proposed = new Entry(request.key(), request.value(), request.contentType(), hlc.next(), instanceId,
                request.delete());
        Optional<IdempotencyKey> idempotency = idempotency(request);
        PgStore.Committed committed = request.precondition().isPresent()
                ? postgres.writeIf(proposed, request.precondition().get(), idempotency, 0)
                : postgres.write(proposed, idempotency);
        projection.writeThrough(stored(proposed, committed), idempotency, startedAt);
        return new WriteResult(request.key(), committed.version(), committed.origin(), Durability.PRIMARY,
                committed.replayed());
    }

    /**
     * The entry as the primary holds it after a write: the version (and, for a replay, the
     * origin) the commit answered, the request's content (a replay's first attempt had the
     * same content: the Idempotency-Key's fingerprint says so).
     *
     * <p>Why a replay is projected too: its first attempt may have committed and then lost
     * its instance before the write-through (killed between the two). Acknowledging the
     * retry without the projection would let a replica serve the older value with a
     * staleness bound that does not count the acknowledged write (found by the drill's
     * staleness checker). The projection is last-writer-wins, so writing it again, or
     * after a newer write, changes nothing.
     */
    static Entry stored(Entry proposed, PgStore.Committed committed) {
        return new Entry(proposed.key(), proposed.value(), proposed.contentType(), committed.version(),
                committed.origin(), proposed.deleted());
    }

    static Optional<IdempotencyKey> idempotency(WriteRequest request) {
        return request.idempotencyKey().map(k -> new IdempotencyKey(k, request.fingerprint()));
    }
}
