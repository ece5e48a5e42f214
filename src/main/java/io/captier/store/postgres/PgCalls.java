package io.captier.store.postgres;

import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.DbSpans;
import io.captier.observability.LogEvent;
import io.captier.resilience.Breaker;
import io.captier.resilience.Breakers;
import io.opentelemetry.api.trace.Span;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one way captier runs SQL on a PostgreSQL node: through the endpoint's circuit breaker,
 * on one pooled connection, with a failure turned into what it means for the caller by
 * {@link PgCluster#failed} (a lost connection is counted, logged as DB_CONNECT_FAILURE and
 * drops the node's idle connections).
 *
 * <p>Takes the work as a lambda over a {@link Connection}; returns what the work returns.
 * Throws {@link StoreUnavailableException} when nothing was applied (no usable primary, breaker
 * open, backstop timeout, connection or statement failure) and
 * {@link OutcomeUnknownException} when the work had sent its commit (docs/architecture.md C4): only the
 * commit can leave an outcome open. A {@link io.captier.failure.RequestRejectedException}
 * the work throws passes through unchanged, and the breaker does not count it. A work that
 * commits runs its SQL through {@link #autocommitted} or {@link #inTransaction}, which set
 * {@code commitSent} when the commit goes out.
 */
final class PgCalls {

    /** SQL on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** SQL that commits: it sets {@code commitSent} once the commit is on its way. */
    @FunctionalInterface
    interface CommitWork<T> {
        T run(Connection c, AtomicBoolean commitSent) throws SQLException;
    }

    /** SQL run inside {@link #autocommitted} or {@link #inTransaction}, on their connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    private static final Logger LOG = Logger.getLogger(PgCalls.class);

    /** The least time worth sending a statement with (ms). */
    static final int MIN_WORK_MS = 100;

    /** setNetworkTimeout's executor: pgjdbc only sets the socket's timeout, on the caller's thread. */
    private static final Executor SAME_THREAD = Runnable::run;

    private final PgCluster cluster;
    private final Breakers breakers;
    private final int budgetMs;
    /** The socket timeout every pooled connection is opened with (PgNode.Pools). */
    private final int pooledMs;

    PgCalls(PgCluster cluster, Breakers breakers) {
        this.cluster = cluster;
        this.breakers = breakers;
        this.budgetMs = (int) cluster.networkTimeout().toMillis();
        this.pooledMs = (int) PgNode.Pools.socketTimeoutSeconds(cluster.networkTimeout()) * 1000;
    }

    /**
     * On the primary of the moment. It is looked up before the breaker: a refusal to name
     * one ({@link PgCluster#primary()}) is not counted as a failure of the endpoint.
     */
    <T> T onPrimary(Work<T> work) {
        PgNode node = cluster.primary();
        return on(node, node.primaryPool(), breakers.get(Breakers.PG_PRIMARY), work);
    }

    /**
     * The same for a call with its own CLIENT span ({@code @WithSpan}): the span is described
     * with the node it reached (see {@link DbSpans}) before the call.
     *
     * @param operation the SQL keyword of the span ({@code SELECT}, {@code INSERT})
     */
    <T> T onPrimary(String operation, CommitWork<T> work) {
        PgNode node = cluster.primary();
        DbSpans.describe(Span.current(), DbSpans.POSTGRESQL, operation, node.name());
        return guarded(node, node.primaryPool(), breakers.get(Breakers.PG_PRIMARY), work);
    }

    /**
     * On the primary, looked up inside the breaker: "no usable primary" then counts as a
     * failure of the endpoint, so that a background call opens and closes the breaker with
     * the primary's availability, requests or not.
     */
    <T> T onPrimaryCountingNoPrimary(Work<T> work) {
        return breakers.get(Breakers.PG_PRIMARY).call(() -> {
            PgNode node = cluster.primary();
            return connected(node, node.primaryPool(), new AtomicBoolean(), (c, commitSent) -> work.run(c));
        });
    }

    /** On any node and pool, through the given breaker: a standby read uses the standby's. */
    <T> T on(PgNode node, DataSource pool, Breaker breaker, Work<T> work) {
        return guarded(node, pool, breaker, (c, commitSent) -> work.run(c));
    }

    /**
     * A failure after the commit was sent — the breaker's backstop timeout firing during the
     * commit too — is an unknown outcome, never "not applied".
     */
    private <T> T guarded(PgNode node, DataSource pool, Breaker breaker, CommitWork<T> work) {
        AtomicBoolean commitSent = new AtomicBoolean();
        try {
            return breaker.call(() -> connected(node, pool, commitSent, work));
        } catch (StoreUnavailableException e) {
            if (commitSent.get()) {
                throw new OutcomeUnknownException("commit sent to " + node.name() + ", no answer", e);
            }
            throw e;
        }
    }

    /**
     * One NETWORK_TIMEOUT for the whole call (docs/architecture.md C3): the time spent taking a
     * connection (waiting for one, or opening one) comes off the socket timeout of the work,
     * so that a partition that strikes after a slow acquisition still fails within one
     * timeout, not two. With less than {@link #MIN_WORK_MS} left the call fails before
     * sending anything: a socket timeout that short would cut off a healthy node and count
     * as losing it. The pool does not reset a connection's network timeout when it comes
     * back, so the one every pooled connection is opened with is restored here.
     */
    private <T> T connected(PgNode node, DataSource pool, AtomicBoolean commitSent, CommitWork<T> work) {
        long started = System.nanoTime();
        long acquired = 0; // until a connection is taken
        try (Connection c = pool.getConnection()) {
            acquired = System.nanoTime();
            int leftMs = budgetMs - (int) TimeUnit.NANOSECONDS.toMillis(acquired - started);
            if (leftMs < MIN_WORK_MS) {
                throw new StoreUnavailableException("no time left for " + node.name()
                        + " after waiting for a connection", null);
            }
            boolean shortened = leftMs < pooledMs;
            if (shortened) {
                c.setNetworkTimeout(SAME_THREAD, leftMs);
            }
            try {
                return work.run(c, commitSent);
            } finally {
                if (shortened && !c.isClosed()) {
                    restore(c);
                }
            }
        } catch (SQLException e) {
            throw cluster.failed(node, e, commitSent.get());
        } finally {
            slow(node, started, acquired);
        }
    }

    /**
     * A call that outlived its NETWORK_TIMEOUT is logged (PG_CALL_SLOW) with the share of it
     * spent waiting for a connection: the budget above should make that impossible, so one
     * that happens says where a refusal's time went.
     */
    private void slow(PgNode node, long started, long acquired) {
        long now = System.nanoTime();
        long took = now - started;
        if (took > TimeUnit.MILLISECONDS.toNanos(budgetMs)) {
            LogEvent.of("PG_CALL_SLOW").with(LogEvent.NODE, node.name()).with(LogEvent.DURATION, took)
                    .with(LogEvent.ACQUIRE_MS, TimeUnit.NANOSECONDS.toMillis((acquired == 0 ? now : acquired) - started))
                    .warn(LOG, "a PostgreSQL call took longer than NETWORK_TIMEOUT");
        }
    }

    private void restore(Connection c) {
        try {
            c.setNetworkTimeout(SAME_THREAD, pooledMs);
        } catch (SQLException broken) {
            // A connection that cannot take a timeout is broken: the pool's exception sorter drops it.
        }
    }

    /**
     * One statement that commits on its own: one round trip, where BEGIN+statement and then
     * COMMIT take two. Sending it is sending the commit; an error the server answers means it
     * rolled back, so only a lost connection leaves the outcome open.
     */
    static <T> T autocommitted(Connection c, AtomicBoolean commitSent, SqlWork<T> statement) throws SQLException {
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

    /**
     * The work in one transaction, committed after it returns; {@code commitSent} is set just
     * before the COMMIT goes out, so a failure before that rolls back and applied nothing.
     */
    static <T> T inTransaction(Connection c, AtomicBoolean commitSent, SqlWork<T> work) throws SQLException {
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
