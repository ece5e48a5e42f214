package io.captier.api;

import io.captier.config.CaptierConfig;
import io.captier.failure.StoreUnavailableException;
import io.captier.mode.Mode;
import io.captier.resilience.Breakers;
import io.captier.staleness.Staleness;
import io.captier.store.postgres.PgCluster;
import io.captier.store.redis.RedisTopology;
import io.captier.version.MonotonicClock;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * /health/ready: can this instance keep its profile's contract right now?
 * Consistent: an unfenced PostgreSQL primary is reachable, the schema is in place and
 * its breaker is closed (a half-open breaker lets one trial call through and refuses the
 * rest, so an instance is not ready until the trial succeeded). Available: this instance has
 * looked at the pending stream (before that PostgreSQL has no staleness bound and is not
 * read: {@link Staleness#ofPgPrimary}), and at least one store can take a write and bound a
 * read: the PostgreSQL primary, or the Redis master once this instance has seen the
 * projection gaps others published, without which Redis has no bound. Either store alone is
 * then enough to answer every read if the other one goes. An instance started while the
 * Redis master was unreachable used to say ready and then answer every read it had not
 * written itself 503; one that said ready on the Redis master alone, before its first look
 * at the stream, did the same when that master paused a few seconds later (both found by
 * the soak).
 */
@Readiness
@ApplicationScoped
public class ContractReadiness implements HealthCheck {

    private final CaptierConfig config;
    private final PgCluster pg;
    private final RedisTopology redis;
    private final Breakers breakers;
    private final Staleness staleness;

    public ContractReadiness(CaptierConfig config, PgCluster pg, RedisTopology redis, Breakers breakers,
                             Staleness staleness) {
        this.staleness = staleness;
        this.config = config;
        this.pg = pg;
        this.redis = redis;
        this.breakers = breakers;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named(config.mode().wireName() + "-contract");
        boolean primary = reachable(pg::primary, r, "postgres_primary")
                && pg.isMigrated() && breakers.get(Breakers.PG_PRIMARY).isClosed();
        r.withData("schema_migrated", pg.isMigrated());
        if (config.mode() == Mode.CONSISTENT) {
            return r.status(primary).build();
        }
        boolean master = reachable(redis::master, r, "redis_master");
        r.withData("projection_gaps_seen", staleness.hasSeenPublishedGaps());
        boolean streamSeen = staleness.ofPgPrimary(MonotonicClock.millis()).isPresent();
        r.withData("pending_stream_seen", streamSeen);
        return r.status(availableReady(primary, master, staleness.hasSeenPublishedGaps(), streamSeen)).build();
    }

    /**
     * The available profile's rule (class comment).
     *
     * @param primary    an unfenced, migrated PostgreSQL primary is reachable, its breaker closed
     * @param master     the Redis master the sentinels name is reachable
     * @param gapsSeen   this instance has seen the projection gaps others published
     * @param streamSeen this instance has looked at the pending stream of a confirmed master
     * @return whether the instance may say ready
     */
    static boolean availableReady(boolean primary, boolean master, boolean gapsSeen, boolean streamSeen) {
        return streamSeen && (primary || master && gapsSeen);
    }

    /** /health is open: it says whether a node is reachable, never where it is (that is /nodes, with a key). */
    private static boolean reachable(java.util.function.Supplier<?> node, HealthCheckResponseBuilder r, String name) {
        try {
            node.get();
            r.withData(name, "reachable");
            return true;
        } catch (StoreUnavailableException e) {
            r.withData(name, "unavailable: " + e.detail());
            return false;
        }
    }
}
