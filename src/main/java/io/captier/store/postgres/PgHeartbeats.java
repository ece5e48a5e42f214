package io.captier.store.postgres;

import io.captier.failure.StoreUnavailableException;
import io.captier.resilience.Breakers;
import io.captier.store.OwnHeartbeats;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Each instance's heartbeat row on the primary: its newest heartbeat (standbys replay
 * it, and their lag is read from it, docs/architecture.md A3) and the projection gap it knows
 * of, so that every instance counts any instance's failed write-through.
 */
@ApplicationScoped
public class PgHeartbeats {

    // Two writers per row (the heartbeat, and a write publishing the gap it opened): the
    // newer gap state wins by its sequence number, never by commit order.
    private static final String BEAT = """
            INSERT INTO heartbeat (instance, wall_ms, redis_gap_since, gap_seq, updated_at) VALUES (?, ?, ?, ?, now())
            ON CONFLICT (instance) DO UPDATE SET wall_ms = GREATEST(heartbeat.wall_ms, EXCLUDED.wall_ms),
                redis_gap_since = CASE WHEN EXCLUDED.gap_seq >= heartbeat.gap_seq
                                       THEN EXCLUDED.redis_gap_since ELSE heartbeat.redis_gap_since END,
                gap_seq = GREATEST(heartbeat.gap_seq, EXCLUDED.gap_seq), updated_at = now()""";
    private static final String GAPS = "SELECT instance, redis_gap_since, wall_ms FROM heartbeat WHERE redis_gap_since IS NOT NULL";
    private static final String CLEAR_GAP = "UPDATE heartbeat SET redis_gap_since = NULL WHERE instance = ? AND redis_gap_since = ?";

    private final PgCluster cluster;
    private final PgCalls calls;
    private final OwnHeartbeats ownHeartbeats;

    public PgHeartbeats(PgCluster cluster, Breakers breakers, OwnHeartbeats ownHeartbeats) {
        this.cluster = cluster;
        this.ownHeartbeats = ownHeartbeats;
        this.calls = new PgCalls(cluster, breakers);
    }

    /** A projection gap some instance published: since when Redis may lag, and that instance's last heartbeat. */
    public record PublishedGap(String instance, long sinceMs, long heartbeatMs) {
    }

    /**
     * Record this instance's heartbeat on the primary (standbys replay it, docs/architecture.md A3)
     * together with its projection gap, and return every gap published.
     *
     * @param gapSinceMs 0 when Redis is in step as far as this instance knows
     * @param gapSeq     the sequence number of that gap state (newer states have higher ones)
     * @throws io.captier.failure.StoreUnavailableException also before the schema is migrated:
     *         nothing was recorded, and the caller must not assume it was
     */
    public List<PublishedGap> heartbeat(String instance, long atMs, long gapSinceMs, long gapSeq) {
        if (!cluster.isMigrated()) {
            throw new StoreUnavailableException("the schema is not migrated yet: no heartbeat recorded", null);
        }
        ownHeartbeats.writing(atMs);
        // The primary is looked up inside the breaker: "no usable primary" is a failure of
        // that endpoint too. The heartbeat then opens the breaker within a few beats of an
        // outage, traffic or not, and its trial call closes it once a primary is back, so
        // circuit_breaker_state and readiness follow the primary without waiting for requests.
        return calls.onPrimaryCountingNoPrimary(c -> {
            try (PreparedStatement ps = c.prepareStatement(BEAT)) {
                ps.setString(1, instance);
                ps.setLong(2, atMs);
                if (gapSinceMs > 0) {
                    ps.setLong(3, gapSinceMs);
                } else {
                    ps.setNull(3, Types.BIGINT);
                }
                ps.setLong(4, gapSeq);
                ps.executeUpdate();
            }
            List<PublishedGap> gaps = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(GAPS); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    gaps.add(new PublishedGap(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
            return gaps;
        });
    }

    /** Withdraw a gap published by another (dead) instance once this one has taken it over. */
    public void clearGap(PublishedGap gap) {
        calls.onPrimary(c -> {
            try (PreparedStatement ps = c.prepareStatement(CLEAR_GAP)) {
                ps.setString(1, gap.instance());
                ps.setLong(2, gap.sinceMs());
                return ps.executeUpdate();
            }
        });
    }
}
