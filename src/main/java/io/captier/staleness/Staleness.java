package io.captier.staleness;

import io.captier.store.Projection;
import io.captier.store.postgres.PgNode;
import io.captier.store.redis.RedisNode;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How far each node may lag the latest acknowledged write, measured rather than guessed
 * (DESIGN section 4). A node replays writes in the order its source applied them, and
 * this instance's heartbeat is one of those writes: a node showing heartbeat h holds
 * every write acknowledged before h, so at time t it lags by at most t - h. That is an
 * upper bound with the probe's own delay already inside it.
 *
 * <p>Redis can lag PostgreSQL besides: from the moment a write-through failed until a
 * resync has caught up ({@link Projection#gapSinceMs()}), and for writes buffered on the
 * pending stream PostgreSQL lags Redis from the oldest one on.
 */
@ApplicationScoped
public class Staleness {

    /** No bound can be given: no heartbeat of ours has ever been seen on the node. */
    public static final long UNKNOWN = Long.MAX_VALUE;

    private final Projection projection;
    private volatile long oldestPendingMs;

    public Staleness(Projection projection) {
        this.projection = projection;
    }

    public long ofRedis(RedisNode node, long now) {
        long heartbeat = node.probe().heartbeatWallMs();
        if (heartbeat < 0) {
            return UNKNOWN;
        }
        long bound = Math.max(0, now - heartbeat);
        long gap = projection.gapSinceMs();
        return gap > 0 ? Math.max(bound, now - gap) : bound;
    }

    public long ofPgStandby(PgNode node, long now) {
        long heartbeat = node.probe().heartbeatWallMs();
        return heartbeat < 0 ? UNKNOWN : Math.max(now - heartbeat, ofPgPrimary(now));
    }

    /** The primary holds every write it acknowledged; it misses only buffered ones. */
    public long ofPgPrimary(long now) {
        long pending = oldestPendingMs;
        return pending > 0 ? Math.max(0, now - pending) : 0;
    }

    /** This instance just buffered a write: PostgreSQL lags from now at the latest. */
    public void buffered(long wallMs) {
        if (oldestPendingMs == 0) {
            oldestPendingMs = wallMs;
        }
    }

    /** When the oldest write on the pending stream was accepted; 0 when the stream is empty. */
    void pendingSince(long wallMs) {
        oldestPendingMs = wallMs;
    }
}
