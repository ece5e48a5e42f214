package io.captier.store;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.failure.OutcomeUnknownException;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.store.postgres.PgHeartbeats;
import io.captier.store.postgres.PgReads;
import io.captier.store.redis.RedisStore;
import io.captier.version.MonotonicClock;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the Redis projection in step with PostgreSQL. Every committed write is written
 * through; when that fails, Redis lags PostgreSQL from that moment on (the gap), which
 * counts in the staleness of every Redis node until a resync has copied everything
 * changed since then.
 *
 * <p>The gap is this instance's own knowledge; other instances learn of it from this
 * instance's PostgreSQL heartbeat row ({@link #publish}), which a failed write-through
 * updates before the write is acknowledged. A projection that was
 * never filled, or lost everything, has no completeness mark in Redis: that is a gap
 * from the very beginning, closed by a full resync.
 */
@ApplicationScoped
public class Projection {

    private static final Logger LOG = Logger.getLogger(Projection.class);
    /** PostgreSQL stamps updated_at at transaction start, by its own clock: look back this far. */
    private static final long RESYNC_MARGIN_MS = 10_000;
    private static final int RESYNC_PAGE = 500;
    /** A gap "since the beginning of time" (0 means no gap). */
    private static final long FROM_THE_START = 1;

    private final RedisStore redis;
    private final PgReads postgres;
    private final PgHeartbeats heartbeats;
    private final String instanceId;
    private final long maxClockOffsetMs;
    /** An instance whose heartbeat is this old has stopped: its published gap is taken over. */
    private final long deadAfterMs;
    /** Since when Redis may lag (0: in step), with a sequence number that grows on every change. */
    private record Gap(long seq, long sinceMs) {
    }

    // Starts from the clock so that a restarted instance's states are newer than its old ones.
    private final AtomicReference<Gap> gap = new AtomicReference<>(new Gap(System.currentTimeMillis() * 1000, 0));
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService resyncs = Background.scheduler("projection-resync", 1);

    public Projection(RedisStore redis, PgReads postgres, PgHeartbeats heartbeats, CaptierConfig config) {
        this.redis = redis;
        this.postgres = postgres;
        this.heartbeats = heartbeats;
        this.instanceId = config.instanceId();
        this.maxClockOffsetMs = config.maxClockOffsetMs();
        this.deadAfterMs = Math.max(10_000, 50 * config.heartbeatMs());
    }

    /**
     * Write a committed entry into Redis before the write is acknowledged: then every
     * heartbeat written after the acknowledgement follows it in Redis' replication order,
     * which is what makes heartbeat staleness an upper bound. A failure opens (or extends)
     * the gap, and the gap is published before the write is acknowledged, so no instance
     * serves Redis as fresher than it is for longer than its own last look at the gaps.
     *
     * @param startedAtMs when the write began, before PostgreSQL committed it ({@link MonotonicClock} ms)
     * @throws OutcomeUnknownException Redis missed the committed write and the gap could not
     *         be published: other instances cannot know, so the write is not acknowledged
     *         as in step (the available profile buffers it too, which changes nothing in
     *         PostgreSQL and puts it where staleness counts it)
     */
    public void writeThrough(Entry committed, long startedAtMs) {
        writeThrough(committed, Optional.empty(), startedAtMs);
    }

    /**
     * The same, for a write committed with an Idempotency-Key: Redis records the key's answer
     * too (docs/architecture.md A8), for a retry that comes while the primary is unreachable.
     */
    public void writeThrough(Entry committed, Optional<IdempotencyKey> idempotency, long startedAtMs) {
        try {
            redis.project(committed, idempotency);
        } catch (RuntimeException e) {
            gap(startedAtMs, e);
            try {
                publish(MonotonicClock.millis());
            } catch (RuntimeException unpublished) {
                throw new OutcomeUnknownException("committed, but Redis missed it and the gap could not be published: "
                        + Metrics.describeError(unpublished), unpublished);
            }
        }
    }

    /**
     * This instance's PostgreSQL heartbeat with its gap as it is now, returning every gap
     * published. Concurrent callers need no lock: the row keeps the state with the highest
     * sequence number, so a heartbeat holding an older view never undoes a newer one.
     *
     * @param atMs the heartbeat, {@link MonotonicClock} ms
     */
    public List<PgHeartbeats.PublishedGap> publish(long atMs) {
        Gap now = gap.get();
        return heartbeats.heartbeat(instanceId, atMs, now.sinceMs(), now.seq());
    }

    /**
     * {@link #publish} for the heartbeat: publishes this instance's gap and brings back the
     * others'. The gap of an instance that stopped beating is taken over here — its start
     * becomes part of this instance's gap, which the resync closes, and its row's gap is
     * cleared — so a dead instance cannot keep Redis marked stale for ever.
     *
     * @param atMs the heartbeat, {@link MonotonicClock} ms
     * @return the oldest gap a live other instance published (epoch ms, its clock); 0 when none
     * @throws RuntimeException as {@link PgHeartbeats#heartbeat} does when PostgreSQL cannot be reached
     */
    public long exchangeGaps(long atMs) {
        long oldest = 0;
        for (PgHeartbeats.PublishedGap other : publish(atMs)) {
            if (other.instance().equals(instanceId)) {
                continue;
            }
            if (atMs - other.heartbeatMs() > deadAfterMs) {
                // Its clock may have run ahead of ours by up to MAX_CLOCK_OFFSET_MS: from that much earlier.
                lost(other.sinceMs() - maxClockOffsetMs, "taken over from " + other.instance() + ", which stopped beating");
                heartbeats.clearGap(other);
            } else {
                oldest = oldest == 0 ? other.sinceMs() : Math.min(oldest, other.sinceMs());
            }
        }
        return oldest;
    }

    /**
     * Redis lost writes it had acknowledged (a failover to a replica that had not got them,
     * a restart from an old file): everything since {@code sinceMs} may be missing.
     */
    public void lost(long sinceMs, String why) {
        failures.incrementAndGet();
        if (widen(sinceMs)) {
            LogEvent.of("PROJECTION_LOST").with(LogEvent.SINCE_MS, sinceMs).with(LogEvent.REASON, why)
                    .warn(LOG, "redis lost writes");
        }
    }

    private void gap(long sinceMs, RuntimeException cause) {
        failures.incrementAndGet();
        if (widen(sinceMs)) {
            LogEvent.of("PROJECTION_GAP").with(LogEvent.SINCE_MS, sinceMs).with(LogEvent.ERROR, Metrics.describeError(cause))
                    .warn(LOG, "redis lags postgres");
        }
    }

    /** Move the start of the gap back to {@code sinceMs}; true when that changed it. */
    private boolean widen(long sinceMs) {
        long since = Math.max(FROM_THE_START, sinceMs);
        Gap before = gap.getAndUpdate(g -> g.sinceMs() != 0 && g.sinceMs() <= since ? g
                : new Gap(g.seq() + 1, since));
        return before.sinceMs() == 0 || since < before.sinceMs();
    }

    /**
     * Whether a gap (this instance's or one another instance published) reaches back to the
     * start: the projection has no completeness mark (new, emptied, lost with its node), so
     * Redis may miss any key, and a miss there says nothing about the key.
     *
     * @param gapSinceMs a gap's start, epoch ms; 0 for none
     */
    public static boolean fromTheStart(long gapSinceMs) {
        return gapSinceMs > 0 && gapSinceMs - RESYNC_MARGIN_MS <= 0;
    }

    /** Since when Redis may miss committed writes, by this instance's knowledge; 0 when in step. */
    public long gapSinceMs() {
        return gap.get().sinceMs();
    }

    void start(@Observes StartupEvent event) {
        Background.every(resyncs, "projection-resync", 1_000, 1_000, this::resync);
    }

    void stop(@Observes ShutdownEvent event) {
        resyncs.shutdownNow();
    }

    private void resync() {
        Gap open = gap.get();
        long since = open.sinceMs();
        long failuresBefore = failures.get();
        try {
            if (since == 0) {
                if (!redis.projectionComplete()) {
                    lost(FROM_THE_START, "the projection has no completeness mark: new, or emptied");
                }
                return;
            }
            boolean fromTheStart = fromTheStart(since);
            // The gap is on this instance's MonotonicClock, updated_at on the primary's wall clock:
            // from the earlier of the two readings, should the wall clock have stepped back since the start.
            Timestamp cursor = new Timestamp(Math.max(0, since - RESYNC_MARGIN_MS - MonotonicClock.wallSteppedBackMs()));
            String key = "";
            long copied = 0;
            while (true) {
                PgReads.Page page = postgres.changedAfter(cursor, key, RESYNC_PAGE);
                for (Entry e : page.entries()) {
                    redis.project(e);
                }
                copied += page.entries().size();
                if (page.entries().size() < RESYNC_PAGE) {
                    break;
                }
                cursor = page.lastUpdatedAt();
                key = page.lastKey();
            }
            if (fromTheStart) {
                redis.markProjectionComplete();
            }
            // A write-through that failed while we copied may be older than what we read.
            if (failures.get() == failuresBefore && gap.compareAndSet(open, new Gap(open.seq() + 1, 0))) {
                LogEvent.of("PROJECTION_RESYNCED").with(LogEvent.COUNT, copied).with(LogEvent.SINCE_MS, since)
                        .info(LOG, "redis holds what postgres does again");
            }
        } catch (RuntimeException e) {
            LOG.debugf("resync waits: %s", Metrics.describeError(e));
        }
    }
}
