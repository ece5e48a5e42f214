package io.captier.staleness;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.observability.Metrics;
import io.captier.store.Projection;
import io.captier.store.redis.PendingStreamConsumer;
import io.captier.store.redis.RedisStore;
import io.captier.topology.PostgresNodeView;
import io.captier.topology.RedisNodeView;
import io.captier.topology.Topology;
import io.captier.topology.TopologyView;
import io.captier.version.MonotonicClock;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Every HEARTBEAT_MS: write this instance's heartbeat to the PostgreSQL primary and to
 * the Redis master (each on its own thread, so one slow store does not hold the other),
 * note the oldest pending buffered write, and export data_staleness_ms per node.
 */
@ApplicationScoped
public class Heartbeats {

    private static final Logger LOG = Logger.getLogger(Heartbeats.class);

    private final CaptierConfig config;
    private final RedisStore redisStore;
    private final PendingStreamConsumer pending;
    private final Topology topology;
    private final Staleness staleness;
    private final Metrics metrics;
    private final Projection projection;
    private final long startedAtMs = MonotonicClock.millis();
    // The last heartbeat the Redis master acknowledged, and which master (heartbeat thread only).
    private long lastRedisBeat;
    private String lastRedisMaster;
    private ScheduledExecutorService beats;

    public Heartbeats(CaptierConfig config, RedisStore redisStore,
                      PendingStreamConsumer pending, Topology topology, Staleness staleness, Projection projection,
                      Metrics metrics) {
        this.config = config;
        this.redisStore = redisStore;
        this.pending = pending;
        this.topology = topology;
        this.staleness = staleness;
        this.projection = projection;
        this.metrics = metrics;
        metrics.pendingWrites("redis", pending::lastLength);
    }

    void start(@Observes StartupEvent event) {
        beats = Background.scheduler("heartbeat", 3);
        long every = config.heartbeatMs();
        Background.every(beats, "heartbeat-postgres", every, every, () -> quietly("postgres", this::postgresBeat));
        Background.every(beats, "heartbeat-redis", every, every, () -> quietly("redis", this::redisBeat));
        Background.every(beats, "heartbeat-gauges", every, every, () -> quietly("gauges", this::exportStaleness));
    }

    void stop(@Observes ShutdownEvent event) {
        if (beats != null) {
            beats.shutdownNow();
        }
    }

    /**
     * The PostgreSQL heartbeat carries this instance's projection gap to the others, and
     * brings back theirs: Redis may lag by the oldest gap any live instance has. (The gap of
     * an instance that stopped beating is taken over by the projection: {@link Projection#exchangeGaps}.)
     * A failed look leaves the last one standing: the bound of every Redis node keeps growing.
     */
    private void postgresBeat() {
        long now = MonotonicClock.millis();
        staleness.othersGapSince(projection.exchangeGaps(now), now);
    }

    /**
     * Redis replicates asynchronously: a failover, or a restart from its append-only file,
     * can lose writes it had acknowledged. We notice from our own heartbeat: when the
     * master is another server than at our last heartbeat, or holds an older heartbeat
     * than the last one it acknowledged, anything written since that heartbeat may be
     * missing, and the projection has a gap from there until a resync closes it.
     */
    private void redisBeat() {
        long now = MonotonicClock.millis();
        RedisStore.Beat beat = redisStore.heartbeat(config.instanceId(), now);
        long expected = lastRedisBeat;
        String before = lastRedisMaster;
        lastRedisBeat = now;
        lastRedisMaster = beat.master();
        if (before != null && (!before.equals(beat.master()) || beat.previous() < expected)) {
            projection.lost(Math.max(0, Math.min(expected, beat.previous())), "master was " + before + " at heartbeat "
                    + expected + ", now " + beat.master() + " holding heartbeat " + beat.previous());
        }
        long lookedAt = MonotonicClock.millis();
        staleness.pendingSince(pending.oldestPendingMs(), lookedAt);
    }

    /** The gauges, from one topology view and one snapshot of the lag facts. */
    private void exportStaleness() {
        long now = MonotonicClock.millis();
        TopologyView view = topology.view();
        LagFacts facts = staleness.facts(view);
        for (PostgresNodeView node : view.postgres()) {
            OptionalLong s = Staleness.ofPg(facts, node, now);
            metrics.staleness(node.name(), "postgres-" + node.role().wireName(), exported(s, now));
        }
        for (RedisNodeView node : view.redis()) {
            String role = node.address().equals(view.redisMaster()) ? "redis-master" : "redis-replica";
            metrics.staleness(node.address(), role, exported(Staleness.ofRedis(facts, node, now), now));
        }
    }

    /** A node never seen with a heartbeat shows how long we have waited for one. */
    private long exported(OptionalLong staleness, long now) {
        return staleness.orElse(now - startedAtMs);
    }

    private static void quietly(String what, Runnable beat) {
        try {
            beat.run();
        } catch (RuntimeException e) {
            // The stores' own failure paths count and log connection failures.
            LOG.debugf("heartbeat %s skipped: %s", what, Metrics.describeError(e));
        }
    }
}
