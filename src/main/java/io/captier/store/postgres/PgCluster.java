package io.captier.store.postgres;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.store.OwnHeartbeats;
import io.captier.version.MonotonicClock;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The PostgreSQL nodes of DATABASE_URL, probed every HEARTBEAT_MS each on its own thread
 * (a paused node must not delay news of the others). Knows which node is the primary
 * now, fences old primaries (see {@link Fence}) and migrates the schema once a primary
 * is reachable, so an instance can start while the database is down.
 */
@ApplicationScoped
public class PgCluster {

    private static final Logger LOG = Logger.getLogger(PgCluster.class);

    // A standby reports the timeline of its last restart point, a primary the one it writes.
    private static final String PROBE_SQL = """
            SELECT pg_is_in_recovery(),
                   CASE WHEN pg_is_in_recovery() THEN (pg_control_checkpoint()).timeline_id
                        ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
                   (SELECT system_identifier FROM pg_control_system())""";
    private static final String HEARTBEAT_SQL = "SELECT wall_ms FROM heartbeat WHERE instance = ?";

    private final CaptierConfig config;
    private final Metrics metrics;
    private final OwnHeartbeats ownHeartbeats;
    private final List<PgNode> nodes;
    private final Fence fence;
    private final long freshMs;
    private volatile boolean migrated;
    private ScheduledExecutorService probes;

    public PgCluster(CaptierConfig config, Metrics metrics, OwnHeartbeats ownHeartbeats) {
        this.config = config;
        this.ownHeartbeats = ownHeartbeats;
        this.metrics = metrics;
        DatabaseUrl url = DatabaseUrl.parse(config.database().url());
        PgNode.Pools pools = new PgNode.Pools(url, config.database().user(), config.database().password().orElse(""),
                config.database().poolSize(), config.networkTimeout(), "captier-" + config.instanceId());
        this.nodes = url.hosts().stream().map(h -> new PgNode(h, pools)).toList();
        this.fence = new Fence(Path.of(config.hintLogDir(), "postgres-fence.properties"));
        // A probe older than one network timeout plus a second is no news at all.
        this.freshMs = config.networkTimeout().toMillis() + 1000;
        nodes.forEach(n -> metrics.knowNode(n.name()));
    }

    void start(@Observes StartupEvent event) {
        probes = Background.scheduler("pg-probe", nodes.size());
        for (PgNode node : nodes) {
            Background.every(probes, "pg-probe@" + node.name(), 0, config.heartbeatMs(), () -> probe(node));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (probes != null) {
            probes.shutdownNow();
        }
        nodes.forEach(PgNode::close);
    }

    /** NETWORK_TIMEOUT_SEC: the bound on one call to a node, connection included. */
    public Duration networkTimeout() {
        return config.networkTimeout();
    }

    public List<PgNode> nodes() {
        return nodes;
    }

    /**
     * The one primary that is reachable and not fenced. Refuses when there is none, and
     * when there are two unfenced ones: that is a split brain nobody may write into.
     */
    public PgNode primary() {
        long now = MonotonicClock.millis();
        List<PgNode> primaries = nodes.stream().filter(n -> isUsablePrimary(n.probe(), now)).toList();
        if (primaries.size() == 1) {
            return primaries.get(0);
        }
        if (primaries.isEmpty()) {
            throw new StoreUnavailableException("postgres-primary unreachable (no reachable, unfenced primary)", null);
        }
        LogEvent.of("SPLIT_BRAIN").with(LogEvent.NODES, String.join(",", primaries.stream().map(PgNode::name).toList()))
                .error(LOG, "several unfenced primaries");
        throw new StoreUnavailableException("postgres-primary ambiguous (several claim the same timeline)", null);
    }

    /** The reachable standby with the newest heartbeat, if any. */
    public Optional<PgNode> standby() {
        long now = MonotonicClock.millis();
        return nodes.stream()
                .filter(n -> n.probe().reachable() && n.probe().inRecovery() && now - n.probe().probedAtMs() <= freshMs)
                .max(Comparator.comparingLong(n -> n.probe().heartbeatMs()));
    }

    /** A node the fence refuses: an old primary that came back after a promotion. */
    public boolean isFenced(PgNode node) {
        PgProbe p = node.probe();
        return p.reachable() && !p.inRecovery() && fence.fences(p.systemId(), p.timeline());
    }

    public boolean isMigrated() {
        return migrated;
    }

    /**
     * What a failed call on {@code node} means for the caller: a connection-level failure
     * is counted and drops the node's idle connections; a failure after the commit was
     * sent leaves the outcome unknown, any other one applied nothing.
     */
    RuntimeException failed(PgNode node, SQLException e, boolean commitSent) {
        if (PgNode.isConnectionLoss(e)) {
            metrics.connectionFailure(node.name(), e);
            node.flushIdle();
        }
        if (commitSent) {
            return new OutcomeUnknownException("commit sent to " + node.name() + ", no answer: " + e.getMessage(), e);
        }
        return new StoreUnavailableException("postgres-" + node.probe().role().wireName() + " unreachable",
                node.name() + ": " + e.getMessage(), e, 1000);
    }

    private boolean isUsablePrimary(PgProbe p, long now) {
        return p.reachable() && !p.inRecovery() && now - p.probedAtMs() <= freshMs
                && !fence.fences(p.systemId(), p.timeline());
    }

    private void probe(PgNode node) {
        PgProbe before = node.probe();
        try (Connection c = node.anyPool().getConnection()) {
            boolean inRecovery;
            int timeline;
            long systemId;
            try (var s = c.createStatement(); ResultSet rs = s.executeQuery(PROBE_SQL)) {
                rs.next();
                inRecovery = rs.getBoolean(1);
                timeline = rs.getInt(2);
                systemId = rs.getLong(3);
            }
            long heartbeat = readHeartbeat(c);
            node.probed(new PgProbe(true, inRecovery, timeline, systemId, heartbeat, MonotonicClock.millis(), null));
            fence.observe(systemId, timeline);
            if (!before.reachable() || before.inRecovery() != inRecovery || before.timeline() != timeline) {
                LogEvent.of("POSTGRES_NODE").with(LogEvent.NODE, node.name()).with(LogEvent.ROLE, node.probe().role().wireName())
                        .with(LogEvent.TIMELINE, timeline).with(LogEvent.FENCED, isFenced(node))
                        .info(LOG, "reachable as " + node.probe().role());
            }
            if (!migrated && !inRecovery && !fence.fences(systemId, timeline)) {
                migrate(node);
            }
        } catch (SQLException | RuntimeException e) {
            node.probed(before.failed(Metrics.describeError(e), MonotonicClock.millis()));
            node.flushIdle();
            if (before.reachable() || before.probedAtMs() == 0) {
                // One line per loss of a node, not one per probe.
                metrics.connectionFailure(node.name(), e);
            }
        }
    }

    private long readHeartbeat(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(HEARTBEAT_SQL)) {
            ps.setString(1, config.instanceId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? ownHeartbeats.ours(rs.getLong(1)) : -1;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return -1; // schema not migrated yet
            }
            throw e;
        }
    }

    private synchronized void migrate(PgNode primary) {
        if (migrated) {
            return;
        }
        Flyway.configure()
                .dataSource(primary.primaryPool())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        migrated = true;
        LogEvent.of("SCHEMA_MIGRATED").with(LogEvent.NODE, primary.name()).info(LOG, "on the primary");
    }
}
