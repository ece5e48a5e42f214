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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The writes captier makes to the kv table, on the primary through a primary-only
 * connection: direct and conditional writes, and the Idempotency-Key records that go with
 * them ({@link IdempotencyRows}). Reads are {@link PgReads}; buffered writes are applied by
 * {@link PgReconciliation}.
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
                ? PgCalls.autocommitted(c, commitSent,
                        () -> upsert(c, proposed, idempotency, System.currentTimeMillis() + writeDeadlineMs))
                : PgCalls.inTransaction(c, commitSent, () -> upsert(c, proposed, idempotency, NO_DEADLINE)));
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
            return commitOnPrimary("INSERT", (c, commitSent) -> PgCalls.inTransaction(c, commitSent, () -> {
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
        return commitOnPrimary("INSERT", (c, commitSent) -> PgCalls.inTransaction(c, commitSent,
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
            Optional<Committed> earlier = IdempotencyRows.claim(c, proposed, 0, idempotency.get());
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
            IdempotencyRows.settle(c, idempotency.get(), version);
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
     * The first answer to an Idempotency-Key, if the primary has one: a retry of a request
     * already applied, or already reconciled from a buffer.
     *
     * @throws StoreUnavailableException the primary could not be reached
     * @throws IdempotencyKeyReused       the key was used for another request
     */
    public Optional<Replay> replayOf(IdempotencyKey idempotency) {
        return calls.onPrimary(c -> IdempotencyRows.read(c, idempotency.key())
                .filter(first -> first.version() != 0)
                .map(first -> {
                    if (idempotency.conflictsWith(first.fingerprint())) {
                        throw new IdempotencyKeyReused();
                    }
                    return new Replay(first.version(), first.origin(), "primary");
                }));
    }

    private Committed upsert(Connection c, Entry proposed, Optional<IdempotencyKey> idempotency, double deadlineMs)
            throws SQLException {
        if (idempotency.isPresent()) {
            Optional<Committed> earlier = IdempotencyRows.claim(c, proposed, 0, idempotency.get());
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        long version = upsertRow(c, proposed, deadlineMs);
        if (idempotency.isPresent()) {
            IdempotencyRows.settle(c, idempotency.get(), version);
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
}
