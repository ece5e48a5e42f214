package io.captier.store.postgres;

import io.captier.config.CaptierConfig;
import io.captier.failure.BufferedWritesPending;
import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.PreconditionFailed;
import io.captier.failure.StoreUnavailableException;
import io.captier.resilience.Breakers;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Precondition;
import io.captier.store.Replay;
import io.captier.version.Hlc;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The writes captier makes to the kv table, on the primary through a primary-only
 * connection: direct and conditional writes, reconciliation of buffered ones, and the
 * Idempotency-Key records that go with them. Reads are {@link PgReads}.
 *
 * <p>Writes are ordered by the primary: the stored version becomes
 * max(proposed, previous + 1), so a write the primary acknowledges is always the newest
 * version of its key, whatever the writer's clock says. Only the commit can leave an
 * outcome unknown: a failure before it was sent means nothing was applied.
 */
@ApplicationScoped
public class PgStore {

    /**
     * A direct write, applied only if it reaches the primary before its deadline (parameter 7,
     * epoch ms): no row comes back when it does not. Why: see {@link #write}.
     */
    private static final String UPSERT = """
            INSERT INTO kv AS t (%s, updated_at)
            SELECT ?, ?, ?, ?, ?, ?, now() WHERE clock_timestamp() < to_timestamp(?::float8 / 1000)
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, content_type = EXCLUDED.content_type,
                version = GREATEST(EXCLUDED.version, t.version + 1), origin = EXCLUDED.origin,
                deleted = EXCLUDED.deleted, updated_at = now()
            RETURNING version""".formatted(KvRows.COLUMNS);
    /** A create: only where the key holds no value (absent, or a tombstone). */
    private static final String INSERT_UNLESS_LIVE = """
            INSERT INTO kv AS t (%s, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, content_type = EXCLUDED.content_type,
                version = GREATEST(EXCLUDED.version, t.version + 1), origin = EXCLUDED.origin,
                deleted = EXCLUDED.deleted, updated_at = now()
            WHERE t.deleted
            RETURNING version""".formatted(KvRows.COLUMNS);
    private static final String LOCK_ROW = "SELECT version, deleted FROM kv WHERE key = ? FOR UPDATE";
    private static final String CLAIM_IDEMPOTENCY = """
            INSERT INTO idempotency (idem_key, fingerprint, key, version, deleted, origin) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (idem_key) DO NOTHING""";
    private static final String READ_IDEMPOTENCY = "SELECT fingerprint, version, origin FROM idempotency WHERE idem_key = ?";
    private static final String SETTLE_IDEMPOTENCY = "UPDATE idempotency SET version = ? WHERE idem_key = ?";
    private static final String RECONCILE = """
            INSERT INTO kv AS t (%s, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, content_type = EXCLUDED.content_type,
                version = EXCLUDED.version, origin = EXCLUDED.origin, deleted = EXCLUDED.deleted, updated_at = now()
            WHERE (t.version, t.origin) < (EXCLUDED.version, EXCLUDED.origin)""".formatted(KvRows.COLUMNS);

    private final PgCalls calls;
    private final Hlc hlc;
    /** For a write in a transaction, which cannot arrive late (see {@link #write}): to_timestamp gives 'infinity'. */
    private static final double NO_DEADLINE = Double.POSITIVE_INFINITY;

    /** How long after it was sent a direct write may still be applied, in ms (see {@link #write}). */
    private final long writeDeadlineMs;

    public PgStore(PgCluster cluster, Breakers breakers, Hlc hlc, CaptierConfig config) {
        this.calls = new PgCalls(cluster, breakers);
        this.hlc = hlc;
        this.writeDeadlineMs = writeDeadlineMs(config);
    }

    /**
     * NETWORK_TIMEOUT minus MAX_CLOCK_OFFSET: a deadline on this instance's clock, compared with
     * the primary's, that passes before the instance gives up on the write whatever the skew
     * between the two within MAX_CLOCK_OFFSET.
     *
     * @throws IllegalStateException when no time would be left (StartupChecks says so first)
     */
    static long writeDeadlineMs(CaptierConfig config) {
        long ms = config.networkTimeout().toMillis() - config.maxClockOffsetMs();
        if (ms <= 0) {
            throw new IllegalStateException("NETWORK_TIMEOUT_SEC must be longer than MAX_CLOCK_OFFSET_MS");
        }
        return ms;
    }


    /**
     * A write the primary committed: the version it stored and the instance that issued it,
     * or an earlier identical request's (replayed).
     */
    public record Committed(long version, String origin, boolean replayed) {
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
     * Commit a write (or tombstone) on the primary. With an idempotency key, a retry of a
     * request already committed returns the first answer instead of writing again.
     *
     * <p>A write without one is a single autocommitted statement, which the primary applies
     * only if it arrives before NETWORK_TIMEOUT minus MAX_CLOCK_OFFSET has passed since it was
     * sent. Otherwise a statement the instance gave up on (and then buffered, or answered 503)
     * could still arrive later — TCP keeps retransmitting what a closed socket had not
     * delivered, so a partition that heals delivers it — and, stored above the key's version
     * by the rule above, overwrite writes acknowledged since (found by NetworkPartitionIT).
     * In a transaction the late statement cannot commit: the COMMIT is only sent after its
     * answer came back.
     *
     * @throws StoreUnavailableException nothing was applied
     * @throws OutcomeUnknownException   the commit was sent and its answer lost
     * @throws IdempotencyKeyReused       the key was used for another request
     */
    @WithSpan(value = "postgres.write", kind = SpanKind.CLIENT)
    public Committed write(Entry proposed, Optional<IdempotencyKey> idempotency) {
        // An upsert is INSERT ... ON CONFLICT DO UPDATE: the statement's keyword names it.
        // The deadline starts when the statement is sent, on a connection already taken: waiting
        // for a pooled connection under load is not the network losing the statement.
        return commitOnPrimary("INSERT", (c, commitSent) -> idempotency.isEmpty()
                ? autocommitted(c, commitSent,
                        () -> upsert(c, proposed, idempotency, System.currentTimeMillis() + writeDeadlineMs))
                : inTransaction(c, commitSent, () -> upsert(c, proposed, idempotency, NO_DEADLINE)));
    }

    /**
     * The available profile's direct write: like {@link #write}, but always in a transaction, so
     * the version the primary chose (max(proposed, previous + 1)) is known before the commit is
     * sent. The available profile buffers a write whose commit's answer was lost; the buffered
     * copy must carry the version the commit would have given it, or the write would be
     * acknowledged at one version and applied at another (the 60-minute soak: proposed below a
     * clock-ahead row, the commit hung on the paused synchronous standby, buffered at the
     * proposed version, then committed above it when the standby came back).
     *
     * @throws StoreUnavailableException nothing was applied
     * @throws OutcomeUnknownException   the commit was sent and its answer lost; its
     *                                   {@code version()} is the one the write has if it was applied
     * @throws IdempotencyKeyReused       the key was used for another request
     * @return the commit, or a replay of an earlier attempt's (also when the replay's own commit
     *         was lost: it wrote nothing, and the claim it read had been committed)
     */
    @WithSpan(value = "postgres.write", kind = SpanKind.CLIENT)
    public Committed writeChoosingVersionFirst(Entry proposed, Optional<IdempotencyKey> idempotency) {
        AtomicReference<Committed> beforeCommit = new AtomicReference<>();
        try {
            return commitOnPrimary("INSERT", (c, commitSent) -> inTransaction(c, commitSent, () -> {
                Committed committed = upsert(c, proposed, idempotency, NO_DEADLINE);
                beforeCommit.set(committed);
                return committed;
            }));
        } catch (OutcomeUnknownException unknown) {
            Committed known = beforeCommit.get();
            if (known == null) {
                throw unknown;
            }
            hlc.observe(known.version());
            if (known.replayed()) {
                return known;
            }
            throw new OutcomeUnknownException(unknown.getMessage(), unknown.getCause(), known.version());
        }
    }

    /**
     * A conditional write (docs/architecture.md C5): the precondition is checked against the key's row,
     * locked, and the write made, in one transaction on the primary, so it is linearizable.
     * With an Idempotency-Key, a retry of a request already applied gets the first answer.
     *
     * @param bufferedVersion the version the Redis projection holds for the key (the
     *                        available profile: a buffered write not yet reconciled is newer
     *                        than the row), or 0 when there is nothing to compare
     * @throws PreconditionFailed        the precondition did not hold (nothing written)
     * @throws BufferedWritesPending     a buffered write to the key is newer than the row
     * @throws StoreUnavailableException nothing was applied
     * @throws OutcomeUnknownException   the commit was sent and its answer lost
     * @throws IdempotencyKeyReused      the key was used for another request
     */
    @WithSpan(value = "postgres.write-if", kind = SpanKind.CLIENT)
    public Committed writeIf(Entry proposed, Precondition precondition, Optional<IdempotencyKey> idempotency,
                             long bufferedVersion) {
        return commitOnPrimary("INSERT", (c, commitSent) -> inTransaction(c, commitSent,
                () -> conditional(c, proposed, precondition, idempotency, bufferedVersion)));
    }

    /**
     * Runs a write on the primary (see {@link PgCalls}) and observes the committed version in
     * the HLC.
     *
     * @throws StoreUnavailableException nothing was applied
     * @throws OutcomeUnknownException   the commit was sent and its answer lost
     */
    private Committed commitOnPrimary(String operation, PgCalls.CommitWork<Committed> work) {
        Committed committed = calls.onPrimary(operation, work);
        hlc.observe(committed.version());
        return committed;
    }

    private Committed conditional(Connection c, Entry proposed, Precondition precondition,
                                  Optional<IdempotencyKey> idempotency, long bufferedVersion) throws SQLException {
        if (idempotency.isPresent()) {
            Optional<Committed> earlier = claim(c, proposed, 0, idempotency.get());
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        Optional<long[]> row = lockRow(c, proposed.key());
        if (bufferedVersion > row.map(r -> r[0]).orElse(0L)) {
            throw new BufferedWritesPending("a buffered write to this key waits for reconciliation: "
                    + "a conditional write cannot be checked against it yet; retry shortly");
        }
        Optional<Long> live = liveVersion(row);
        if (!precondition.holds(live)) {
            throw new PreconditionFailed(live);
        }
        long version;
        if (precondition instanceof Precondition.Absent) {
            Optional<Long> created = insertUnlessLive(c, proposed);
            if (created.isEmpty()) {
                // Created by someone else since the check (there was no row to lock): the
                // conflicting insert locked it now, so this is what the key holds.
                throw new PreconditionFailed(liveVersion(lockRow(c, proposed.key())));
            }
            version = created.get();
        } else {
            version = upsertRow(c, proposed, NO_DEADLINE); // in a transaction: see #write
        }
        if (idempotency.isPresent()) {
            settle(c, idempotency.get(), version);
        }
        return new Committed(version, proposed.origin(), false);
    }

    /** The key's row, locked for this transaction: {version, deleted as 0/1}; empty when there is none. */
    private static Optional<long[]> lockRow(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_ROW)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0}) : Optional.empty();
            }
        }
    }

    private static Optional<Long> liveVersion(Optional<long[]> row) {
        return row.filter(r -> r[1] == 0).map(r -> r[0]);
    }

    private static Optional<Long> insertUnlessLive(Connection c, Entry proposed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_UNLESS_LIVE)) {
            KvRows.bind(ps, proposed);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
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
                return inTransaction(c, new AtomicBoolean(), () -> {
                    if (idempotency.isPresent() && claim(c, buffered, buffered.version(), idempotency.get()).isPresent()) {
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

    /**
     * The first answer to an Idempotency-Key, if the primary has one: a retry of a request
     * already applied, or already reconciled from a buffer.
     *
     * @throws StoreUnavailableException the primary could not be reached
     * @throws IdempotencyKeyReused       the key was used for another request
     */
    public Optional<Replay> replayOf(IdempotencyKey idempotency) {
        return calls.onPrimary(c -> {
            try (PreparedStatement ps = c.prepareStatement(READ_IDEMPOTENCY)) {
                ps.setString(1, idempotency.key());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getLong(2) == 0) {
                        return Optional.<Replay>empty();
                    }
                    if (idempotency.conflictsWith(rs.getString(1))) {
                        throw new IdempotencyKeyReused();
                    }
                    return Optional.of(new Replay(rs.getLong(2), rs.getString(3), "primary"));
                }
            }
        });
    }


    private Committed upsert(Connection c, Entry proposed, Optional<IdempotencyKey> idempotency, double deadlineMs)
            throws SQLException {
        if (idempotency.isPresent()) {
            Optional<Committed> earlier = claim(c, proposed, 0, idempotency.get());
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        long version = upsertRow(c, proposed, deadlineMs);
        if (idempotency.isPresent()) {
            settle(c, idempotency.get(), version);
        }
        return new Committed(version, proposed.origin(), false);
    }

    /**
     * The upsert of a direct write; the version the primary stored (max(proposed, previous + 1)).
     *
     * @param deadlineMs epoch ms (this instance's clock) after which the primary must not apply it,
     *                   or {@link #NO_DEADLINE}
     * @throws StoreUnavailableException it reached the primary after its deadline: not applied
     */
    private static long upsertRow(Connection c, Entry proposed, double deadlineMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            KvRows.bind(ps, proposed);
            ps.setDouble(7, deadlineMs);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StoreUnavailableException("postgres-primary received the write too late to apply it",
                            "the upsert reached the primary after its deadline " + deadlineMs, null, 1000);
                }
                return rs.getLong(1);
            }
        }
    }

    private static void settle(Connection c, IdempotencyKey idempotency, long version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SETTLE_IDEMPOTENCY)) {
            ps.setLong(1, version);
            ps.setString(2, idempotency.key());
            ps.executeUpdate();
        }
    }

    /**
     * Claim the idempotency key in this transaction. A concurrent request with the same
     * key waits on the row until this one ends, then finds it: at most one applies.
     *
     * @param version the write's version when known now (a buffered write), else 0 (settled
     *                after the upsert decided it)
     * @return the earlier answer when the key was claimed before, for the same request
     * @throws IdempotencyKeyReused the key was claimed for another request
     */
    private Optional<Committed> claim(Connection c, Entry proposed, long version, IdempotencyKey idem)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CLAIM_IDEMPOTENCY)) {
            ps.setString(1, idem.key());
            ps.setString(2, idem.fingerprint());
            ps.setString(3, proposed.key());
            ps.setLong(4, version);
            ps.setBoolean(5, proposed.deleted());
            ps.setString(6, proposed.origin());
            if (ps.executeUpdate() == 1) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = c.prepareStatement(READ_IDEMPOTENCY)) {
            ps.setString(1, idem.key());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (idem.conflictsWith(rs.getString(1))) {
                    throw new IdempotencyKeyReused();
                }
                return Optional.of(new Committed(rs.getLong(2), rs.getString(3), true));
            }
        }
    }

    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * One statement that commits on its own: one round trip, where BEGIN+statement and then
     * COMMIT take two. Sending it is sending the commit; an error the server answers means it
     * rolled back, so only a lost connection leaves the outcome open.
     */
    private static <T> T autocommitted(Connection c, AtomicBoolean commitSent, SqlWork<T> statement) throws SQLException {
        if (!c.getAutoCommit()) {
            // The pool hands connections out in autocommit; never let a statement wait for a COMMIT.
            c.setAutoCommit(true);
        }
        commitSent.set(true);
        try {
            return statement.run();
        } catch (SQLException e) {
            commitSent.set(PgNode.isConnectionLoss(e));
            throw e;
        } catch (RuntimeException answered) {
            // Thrown by our code on the server's answer (a write refused past its deadline):
            // the statement's outcome is known, it was not applied.
            commitSent.set(false);
            throw answered;
        }
    }

    private static <T> T inTransaction(Connection c, AtomicBoolean commitSent, SqlWork<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run();
            commitSent.set(true);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            if (!commitSent.get()) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // The connection is gone; the server rolls back on its own.
                }
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // A broken connection is discarded by the pool anyway.
            }
        }
    }

}
