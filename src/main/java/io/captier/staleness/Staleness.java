package io.captier.staleness;

import io.captier.config.CaptierConfig;
import io.captier.store.Projection;
import io.captier.store.hintlog.HintLog;
import io.captier.topology.PostgresNodeView;
import io.captier.topology.RedisNodeView;
import io.captier.topology.Topology;
import io.captier.topology.TopologyView;
import io.captier.version.Hlc;
import io.captier.version.MonotonicClock;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How far each node may lag the latest acknowledged write, measured rather than guessed
 * (docs/architecture.md A3). A node replays writes in the order its source applied them, and
 * this instance's heartbeat is one of those writes: a node showing heartbeat h holds
 * every write acknowledged before h, so at time t it lags by at most t - h. That is an
 * upper bound with the probe's own delay already inside it.
 *
 * <p>Writes that took another way lag besides, from the moment they were acknowledged:
 * <ul>
 * <li>Redis lags PostgreSQL from a failed write-through — on this instance
 *     ({@link Projection#gapSinceMs()}) or on another one, which publishes it with its
 *     PostgreSQL heartbeat — until a resync has caught up;</li>
 * <li>PostgreSQL lags the buffered writes not yet reconciled: the pending stream's
 *     oldest entry, and this instance's hint log;</li>
 * <li>Redis lags this instance's hint log too (those writes reached neither store).</li>
 * </ul>
 * Another instance's gap is published before its write is acknowledged, but seen here only
 * at the next heartbeat: Redis may also lag by the age of that look, and that age keeps
 * growing while PostgreSQL cannot be reached from here: another instance may reach it
 * and commit writes whose write-through went to a Redis master this one does not read
 * (a partition; docs/decisions.md, "Staleness and reads").
 *
 * <p>What this instance knows of other instances' buffered writes is as old as its last look
 * at the pending stream, and holds only for the master it looked at. Redis Sentinel may have
 * promoted another master since the sentinels last confirmed this one
 * ({@link TopologyView#sentinelsConfirmedAtMs()}): writes acknowledged there are newer than
 * that. So every Redis node lags by at least the age of that confirmation, and PostgreSQL by
 * the age of the older of the two (an instance cut off from PostgreSQL but not from Redis
 * buffers writes the primary misses: docs/decisions.md, "Staleness and reads").
 *
 * <p>Heartbeats, this instance's projection gap and its looks (at the stream, at the published
 * gaps, the sentinels' confirmation) are times of this instance's own clock, so skew does not
 * enter them; and of {@link MonotonicClock}, so a step of its wall clock does not either (a
 * step back would shorten every such age by the step). {@code now} is of that clock too.
 * The other times are not: another instance's published gap
 * (its clock), the pending stream's oldest id (the Redis master's clock), the hint log's
 * oldest version (this instance's HLC, which may run up to MAX_CLOCK_OFFSET_MS ahead of its
 * wall clock). An age measured from one of those counts MAX_CLOCK_OFFSET_MS more, so a
 * clock that runs ahead by up to that much cannot make the bound under-state
 * (docs/architecture.md A3, under skew; docs/decisions.md, "Clocks").
 */
@ApplicationScoped
public class Staleness {

    private final Projection projection;
    private final HintLog hints;
    private final Topology topology;
    private final long maxClockOffsetMs;
    /**
     * A look and what it found, published as one value: read as two fields, a read between the
     * two writes could pair a new look's time with the old finding and under-state a bound
     * (found by review).
     *
     * @param sinceMs what was found (0: nothing pending, no gap)
     * @param atMs    when the look was taken ({@link MonotonicClock} ms; 0: never)
     */
    private record Look(long sinceMs, long atMs) {
        static final Look NEVER = new Look(0, 0);
    }

    /** The pending stream's oldest write as of the last look, or this instance's own first buffered write since. */
    private final AtomicReference<Look> stream = new AtomicReference<>(Look.NEVER);
    /** The oldest gap other live instances published, as of the last look. */
    private volatile Look othersGaps = Look.NEVER;

    public Staleness(Projection projection, HintLog hints, Topology topology, CaptierConfig config) {
        this.projection = projection;
        this.hints = hints;
        this.topology = topology;
        this.maxClockOffsetMs = config.maxClockOffsetMs();
    }

    /**
     * What this instance knows now of the writes each source may miss, in one snapshot: a read
     * judges all its candidates on one ({@link LagFacts} computes the bounds).
     */
    public LagFacts facts() {
        return facts(topology.view());
    }

    /** {@link #facts()} with the sentinels' confirmation as {@code view} has it. */
    public LagFacts facts(TopologyView view) {
        Look gaps = othersGaps;
        Look pending = stream.get();
        return new LagFacts(projection.gapSinceMs(), gaps.sinceMs(), gaps.atMs(), pending.sinceMs(),
                pending.atMs(), hints.oldestPendingWallMs(), view.sentinelsConfirmedAtMs(), maxClockOffsetMs,
                MonotonicClock.wallSteppedForwardMs());
    }

    /** {@link LagFacts#ofRedis} of the node's newest heartbeat, on {@code facts}. */
    public static OptionalLong ofRedis(LagFacts facts, RedisNodeView node, long now) {
        return facts.ofRedis(node.heartbeatMs(), now);
    }

    /** A PostgreSQL node by the role its probe found, on {@code facts}; a fenced old primary has no bound. */
    public static OptionalLong ofPg(LagFacts facts, PostgresNodeView node, long now) {
        return switch (node.role()) {
            case PRIMARY -> node.fenced() ? OptionalLong.empty() : facts.ofPgPrimary(now);
            case STANDBY -> facts.ofPgStandby(node.heartbeatMs(), now);
            default -> OptionalLong.empty();
        };
    }

    /** {@link LagFacts#ofPgPrimary}, on the facts now. */
    public OptionalLong ofPgPrimary(long now) {
        return facts().ofPgPrimary(now);
    }

    /** This instance just buffered a write, at {@code atMs} ({@link MonotonicClock}): PostgreSQL lags from then at the latest. */
    public void buffered(long atMs) {
        stream.updateAndGet(look -> look.sinceMs() == 0 ? new Look(atMs, look.atMs()) : look);
    }

    /**
     * What a look at the pending stream found: when its oldest write was accepted (0 when the
     * stream is empty; the Redis master's clock), as of {@code lookedAtMs} (taken before the
     * look, {@link MonotonicClock}).
     */
    void pendingSince(long wallMs, long lookedAtMs) {
        stream.set(new Look(wallMs, lookedAtMs));
    }

    /**
     * The oldest gap other live instances published (0: none; their clocks), as the heartbeat
     * sent at {@code seenAtMs} ({@link MonotonicClock}) found them.
     */
    void othersGapSince(long wallMs, long seenAtMs) {
        othersGaps = new Look(wallMs, seenAtMs);
    }

    /** Whether this instance has ever seen the gaps others published; until then Redis has no bound. */
    public boolean hasSeenPublishedGaps() {
        return othersGaps.atMs() != 0;
    }

    /**
     * How stale this instance's own write may already be when it starts, for the last-known
     * cache: {@link #ofOwnWrite(long, long, long)} with MAX_CLOCK_OFFSET_MS.
     */
    public long ofOwnWrite(long version, long startedAtMs) {
        return ofOwnWrite(version, startedAtMs, maxClockOffsetMs);
    }

    /**
     * How stale a write may already be when it starts (ms). Last-writer-wins orders writes by
     * version, not by time: a write acknowledged elsewhere a moment before this one started,
     * from a clock running ahead, holds a higher version, and this write is superseded before
     * it is made. No clock runs more than {@code maxClockOffsetMs} ahead of this one (the
     * deployment's promise, docs/architecture.md A3), and no version's clock part runs ahead of
     * every wall clock (Kulkarni et al., "Logical Physical Clocks", 2014; but for a burst's
     * carry, a millisecond per 64 versions, {@link Hlc}), so such a write
     * started at most that long before this one's version was made: less by as much as that
     * version is ahead of this instance's wall clock at the start (an HLC that adopted a
     * version from ahead), more by as much as it is behind (none of ours is: a version is
     * issued after the write starts).
     * Found by the drill with instances' clocks 280 ms apart: a buffered write read back from
     * the cache reported 19 ms while the write that superseded it was 137 ms old.
     *
     * @param version          the write's version (HLC)
     * @param startedAtMs      when the write started, on this instance's wall clock (ms)
     * @param maxClockOffsetMs MAX_CLOCK_OFFSET_MS
     * @return the bound at {@code startedAtMs}, in ms, never negative
     */
    public static long ofOwnWrite(long version, long startedAtMs, long maxClockOffsetMs) {
        return Math.max(0, maxClockOffsetMs - (Hlc.wallMillis(version) - startedAtMs));
    }
}
