package io.captier.store.postgres;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.StoreUnavailableException;
import io.captier.resilience.Breakers;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.version.Hlc;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Buffered writes applied to the kv table on the primary, last-writer-wins (docs/architecture.md
 * A5, A6): the reconciliation side of the PostgreSQL store, where {@link PgStore} is the
 * direct writes' side. Takes an entry and its Idempotency-Key; returns what was done.
 */
@ApplicationScoped
public class PgReconciliation {

    private static final String RECONCILE = """
            INSERT INTO kv AS t (%s, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, content_type = EXCLUDED.content_type,
                version = EXCLUDED.version, origin = EXCLUDED.origin, deleted = EXCLUDED.deleted, updated_at = now()
            WHERE (t.version, t.origin) < (EXCLUDED.version, EXCLUDED.origin)""".formatted(KvRows.COLUMNS);

    private final PgCalls calls;
    private final Hlc hlc;

    public PgReconciliation(PgCluster cluster, Breakers breakers, Hlc hlc) {
        this.calls = new PgCalls(cluster, breakers);
        this.hlc = hlc;
    }

    /**
     * What reconciling one buffered write did.
     *
     * @param outcome what happened to it
     * @param row     when applied, the key's row afterwards (this write, or a newer one that
     *                won last-writer-wins); null otherwise
     */
    public record Reconciled(Outcome outcome, Entry row) {

        public enum Outcome {
            /** Applied last-writer-wins (it may have lost to a newer row: that changes nothing). */
            APPLIED,
            /** Its Idempotency-Key was already applied for the same request: skipped (docs/architecture.md A8). */
            DUPLICATE,
            /** Its Idempotency-Key was already applied for another request: skipped. */
            CONFLICT
        }
    }

    /**
     * Apply a buffered write last-writer-wins (docs/architecture.md A6): it replaces the stored row only
     * if its (version, origin) is greater, so applying it twice changes nothing. With an
     * Idempotency-Key, the key is claimed in the same transaction: only the first buffered
     * attempt to get here is applied, at its own version (docs/architecture.md A8), whichever instance or
     * buffer holds the others and in whatever order they drain.
     *
     * @return what was done, and the key's row afterwards when applied
     * @throws StoreUnavailableException the primary could not be reached, or the commit's
     *                                   answer was lost: applying it again is harmless
     */
    @WithSpan(value = "postgres.reconcile", kind = SpanKind.CLIENT)
    public Reconciled reconcile(Entry buffered, Optional<IdempotencyKey> idempotency) {
        // The transaction keeps its own commitSent, not the one PgCalls watches: a lost
        // answer to this commit is "not applied" (StoreUnavailableException), never an
        // unknown outcome, because applying a buffered write again changes nothing.
        Reconciled done = calls.onPrimary("INSERT", (c, ignored) -> {
            try {
                return PgCalls.inTransaction(c, new AtomicBoolean(), () -> {
                    if (idempotency.isPresent()
                            && IdempotencyRows.claim(c, buffered, buffered.version(), idempotency.get()).isPresent()) {
                        return new Reconciled(Reconciled.Outcome.DUPLICATE, null);
                    }
                    return new Reconciled(Reconciled.Outcome.APPLIED, reconcileRow(c, buffered));
                });
            } catch (IdempotencyKeyReused conflict) {
                return new Reconciled(Reconciled.Outcome.CONFLICT, null);
            }
        });
        if (done.row() != null) {
            hlc.observe(done.row().version());
        }
        return done;
    }

    /** The LWW upsert of one buffered write; the row as it is afterwards. */
    private static Entry reconcileRow(Connection c, Entry buffered) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECONCILE)) {
            KvRows.bind(ps, buffered);
            if (ps.executeUpdate() == 1) {
                return buffered;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(KvRows.READ)) {
            ps.setString(1, buffered.key());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return KvRows.entry(rs);
            }
        }
    }
}
