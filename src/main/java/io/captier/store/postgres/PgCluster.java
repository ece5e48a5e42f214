package io.captier.store.postgres;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.store.OwnHeartbeats;
import io.captier.topology.PostgresNodeView;
import io.captier.topology.Topology;
import io.captier.topology.TopologyView;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The PostgreSQL nodes of DATABASE_URL, probed every HEARTBEAT_MS each on its own thread
 * (a paused node must not delay news of the others). Knows which node is the primary
 * now, fences old primaries (see {@link Fence}) and migrates the schema once a primary
 * is reachable, so an instance can start while the database is down. Each finding is
 * published at once into the {@link Topology} view, which is what the choice of primary
 * and standby below, the read path, readiness and {@code /nodes} read.
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
    private final Topology topology;
    private volatile boolean migrated;
    private final Object publishing = new Object();
    /** Whether the last publication found several unfenced primaries (guarded by {@code publishing}). */
    private boolean splitBrain;
    private ScheduledExecutorService probes;

    public PgCluster(CaptierConfig config, Metrics metrics, OwnHeartbeats ownHeartbeats, Topology topology) {
        this.config = config;
        this.topology = topology;
        this.ownHeartbeats = ownHeartbeats;
        this.metrics = metrics;
        DatabaseUrl url = DatabaseUrl.parse(config.database().url());
        PgNode.Pools pools = new PgNode.Pools(url, config.database().user(), config.database().password().orElse(""),
                config.database().poolSize(), config.networkTimeout(), "captier-" + config.instanceId());
        this.nodes = url.hosts().stream().map(h -> new PgNode(h, pools)).toList();
        this.fence = new Fence(Path.of(config.hintLogDir(), "postgres-fence.properties"));
        nodes.forEach(n -> metrics.knowNode(n.name()));
        publish();
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
     * The one primary that is reachable and not fenced, as the topology view has it
     * ({@link TopologyView#usablePrimaries}). Refuses when there is none, and when there are
     * two unfenced ones: that is a split brain nobody may write into (logged once, when the
     * probes find it).
     *
     * @throws StoreUnavailableException no usable primary, or several
     */
    public PgNode primary() {
        List<PostgresNodeView> primaries = topology.view().usablePrimaries(MonotonicClock.millis());
        if (primaries.size() == 1) {
            return node(primaries.get(0).name());
        }
        if (primaries.isEmpty()) {
            throw new StoreUnavailableException("postgres-primary unreachable (no reachable, unfenced primary)", null);
        }
        throw new StoreUnavailableException("postgres-primary ambiguous (several claim the same timeline)", null);
    }

    /** The reachable standby with the newest heartbeat, if any ({@link TopologyView#standby}). */
    public Optional<PgNode> standby() {
        return topology.view().standby(MonotonicClock.millis()).map(v -> node(v.name()));
    }

    /**
     * The connection pools of a node the view names.
     *
     * @param name host:port, as in a {@link PostgresNodeView}
     * @throws IllegalArgumentException for a node not in DATABASE_URL
     */
    public PgNode node(String name) {
        for (PgNode node : nodes) {
            if (node.name().equals(name)) {
                return node;
            }
        }
        throw new IllegalArgumentException("no PostgreSQL node " + name);
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

    /**
     * Replaces the PostgreSQL side of the topology view with every node's latest finding (the
     * fence may have moved with any of them). Serialised, and built inside the lock: a
     * publication never overwrites a later finding with an earlier one. A split brain is
     * logged here, once when it starts, not on every request it refuses.
     */
    private void publish() {
        // Not the instance's monitor: migrate() holds that while Flyway runs.
        synchronized (publishing) {
            List<PostgresNodeView> views = nodes.stream().map(n -> {
                PgProbe p = n.probe();
                return new PostgresNodeView(n.name(), p.role(), p.reachable(), p.timeline(), fenced(p), p.heartbeatMs(),
                        p.probedAtMs(), p.error());
            }).toList();
            topology.publishPostgres(views, migrated);
            long now = MonotonicClock.millis();
            List<String> primaries = views.stream().filter(v -> v.usablePrimary() && topology.view().fresh(v.probedAtMs(), now))
                    .map(PostgresNodeView::name).toList();
            boolean split = primaries.size() > 1;
            if (split && !splitBrain) {
                LogEvent.of("SPLIT_BRAIN").with(LogEvent.NODES, String.join(",", primaries))
                        .error(LOG, "several unfenced primaries");
            }
            splitBrain = split;
        }
    }

    /** An old primary that came back after a promotion (see {@link Fence}). */
    private boolean fenced(PgProbe p) {
        return p.reachable() && !p.inRecovery() && fence.fences(p.systemId(), p.timeline());
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
            // Fenced in memory and published before the fence file is written: no window in which
            // this node is known to be the new primary while the old one is still the usable one.
            boolean raised = fence.observe(systemId, timeline);
            publish();
            if (raised) {
                fence.save();
            }
            if (!before.reachable() || before.inRecovery() != inRecovery || before.timeline() != timeline) {
                LogEvent.of("POSTGRES_NODE").with(LogEvent.NODE, node.name()).with(LogEvent.ROLE, node.probe().role().wireName())
                        .with(LogEvent.TIMELINE, timeline).with(LogEvent.FENCED, fenced(node.probe()))
                        .info(LOG, "reachable as " + node.probe().role());
            }
            if (!migrated && !inRecovery && !fence.fences(systemId, timeline)) {
                migrate(node);
            }
        } catch (SQLException | RuntimeException e) {
            node.probed(before.failed(Metrics.describeError(e), MonotonicClock.millis()));
            publish();
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
        publish();
        LogEvent.of("SCHEMA_MIGRATED").with(LogEvent.NODE, primary.name()).info(LOG, "on the primary");
    }
}
