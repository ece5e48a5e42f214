package io.captier.staleness;

import io.captier.store.Projection;

import java.util.OptionalLong;

/**
 * What this instance knows, at one moment, of the writes each source may miss: every input
 * of a staleness bound but the node's own heartbeat (docs/architecture.md
 * A3; the rules are {@link Staleness}'s class comment). The bounds are pure functions of these
 * facts, a heartbeat and now, so that one read's candidates are judged on one snapshot
 * ({@link Staleness#facts()}) and the rules can be tested without any store.
 *
 * <p>Each fact has one writer: the projection (its own gap), the heartbeats (the published
 * gaps and the pending stream, with when they looked), the available contract (a write it
 * buffered), the hint log (its oldest pending write), the sentinels' view (their last
 * confirmation). 0 means none (a gap, a pending write) or never (a look, a confirmation).
 *
 * @param ownGapSinceMs          since when Redis may miss writes this instance committed
 *                               ({@link io.captier.version.MonotonicClock} ms; {@link Projection#fromTheStart} for a gap from the start)
 * @param othersGapSinceMs       the oldest gap other live instances published (their wall clocks)
 * @param gapsSeenAtMs           when this instance last looked at those (MonotonicClock ms)
 * @param streamPendingSinceMs   the oldest write waiting on the pending stream (the Redis master's
 *                               wall clock), or this instance's own first buffered write since
 *                               (MonotonicClock ms; counted as another clock's, which over-states)
 * @param streamLookedAtMs       when this instance last looked at the stream (MonotonicClock ms)
 * @param hintsOldestMs          the wall-clock part of the oldest version in this instance's hint
 *                               log (its HLC, which may run ahead of its wall clock)
 * @param sentinelsConfirmedAtMs when a majority of sentinels last named the master (MonotonicClock ms)
 * @param maxClockOffsetMs       MAX_CLOCK_OFFSET_MS: how far another clock may run ahead
 * @param wallSteppedForwardMs   how far this instance's wall clock has stepped forward since its
 *                               start ({@link io.captier.version.MonotonicClock#wallSteppedForwardMs()})
 */
public record LagFacts(long ownGapSinceMs, long othersGapSinceMs, long gapsSeenAtMs, long streamPendingSinceMs,
                       long streamLookedAtMs, long hintsOldestMs, long sentinelsConfirmedAtMs, long maxClockOffsetMs,
                       long wallSteppedForwardMs) {

    /**
     * A Redis node's bound: the age of this instance's newest heartbeat it shows, of the
     * sentinels' last word on its master, of the last look at the published gaps, and the age
     * of every gap and hint-log write Redis may miss.
     *
     * @param heartbeatMs this instance's newest heartbeat on the node (MonotonicClock ms), -1 for none
     * @param now         MonotonicClock ms
     * @return ms; empty (no bound) without a heartbeat, without a sentinel majority, or before
     *         this instance has looked at the published gaps
     */
    public OptionalLong ofRedis(long heartbeatMs, long now) {
        if (heartbeatMs < 0 || sentinelsConfirmedAtMs == 0 || gapsSeenAtMs == 0) {
            return OptionalLong.empty();
        }
        long behind = Math.max(since(ownGapSinceMs, now), sinceOtherClock(oldest(othersGapSinceMs, hintsOldestMs), now));
        long unseenGaps = Math.max(0, now - gapsSeenAtMs);
        return OptionalLong.of(Math.max(Math.max(now - Math.min(heartbeatMs, sentinelsConfirmedAtMs), behind), unseenGaps));
    }

    /**
     * The PostgreSQL primary's bound: it misses only buffered writes (on the stream, in this
     * instance's hint log) and those buffered since this instance last looked at the stream
     * of a master the sentinels confirmed.
     *
     * @param now MonotonicClock ms
     * @return ms; empty before the first look at the stream of a confirmed master (writes other
     *         instances buffered before this one started may be missing, however long ago)
     */
    public OptionalLong ofPgPrimary(long now) {
        long seen = Math.min(streamLookedAtMs, sentinelsConfirmedAtMs);
        if (seen == 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(since(seen, now),
                sinceOtherClock(oldest(streamPendingSinceMs, hintsOldestMs), now)));
    }

    /**
     * A standby's bound: the age of this instance's newest heartbeat it has replayed, and at
     * least the primary's.
     *
     * @param heartbeatMs this instance's newest heartbeat on the standby (MonotonicClock ms), -1 for none
     * @param now         MonotonicClock ms
     * @return ms; empty without a heartbeat or while the primary has no bound
     */
    public OptionalLong ofPgStandby(long heartbeatMs, long now) {
        OptionalLong primary = ofPgPrimary(now);
        if (heartbeatMs < 0 || primary.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(now - heartbeatMs, primary.getAsLong()));
    }

    /**
     * Whether a key missing on a Redis node was missing as of that node's bound: false while
     * this instance's gap, or one another instance published, reaches back to the start.
     */
    public boolean redisMissesBounded() {
        return !Projection.fromTheStart(ownGapSinceMs) && !Projection.fromTheStart(othersGapSinceMs);
    }

    private static long since(long atMs, long now) {
        return atMs > 0 ? Math.max(0, now - atMs) : 0;
    }

    /**
     * The same for a time read off another clock: plus the offset that clock may run ahead by,
     * and plus as far as this instance's wall clock has stepped forward since its start (the
     * other clocks stay near the wall clock, not near {@code now}'s MonotonicClock).
     */
    private long sinceOtherClock(long wallMs, long now) {
        return wallMs > 0 ? since(wallMs, now) + maxClockOffsetMs + wallSteppedForwardMs : 0;
    }

    private static long oldest(long a, long b) {
        return a == 0 ? b : b == 0 ? a : Math.min(a, b);
    }
}
