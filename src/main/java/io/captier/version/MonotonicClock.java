package io.captier.version;

/**
 * Epoch milliseconds that never step: this process's wall clock as it stood at class load,
 * moved on by the monotonic clock ({@link System#nanoTime}, CLOCK_MONOTONIC on Linux, which
 * an NTP or operator step of the wall clock does not move).
 *
 * <p>Every age this instance measures with its own clock at both ends (a heartbeat it wrote
 * and reads back, its projection gap, its looks at the stream and the published gaps, the
 * sentinels' confirmation, the last-known cache) takes both ends from here. On the wall
 * clock, a step back by s would shorten each of those ages by s, and a staleness bound would
 * under-state by s until the next heartbeat (docs/decisions.md, "Clocks"; the drill steps
 * available instances' clocks both ways). A step forward would only over-state, but a clock
 * that does not step at all states neither.
 *
 * <p>What it does not replace: versions ({@link Hlc}) and anything compared with another
 * machine's clock as a point in time (the primary's write deadline) stay on the wall clock,
 * which NTP keeps near the others. This clock stays as far from them as the wall clock was at
 * the start, moved by the steps since; times read off other clocks are compared with it with
 * MAX_CLOCK_OFFSET_MS to spare, as before (staleness.Staleness).
 *
 * <p>A restarted process starts again from the wall clock, so its values and the previous
 * process's are on two scales, as far apart as that process's wall clock had stepped since its
 * start: a heartbeat counts only if this process wrote it ({@code store.OwnHeartbeats}).
 */
public final class MonotonicClock {

    private static final long START_WALL_MS = System.currentTimeMillis();
    private static final long START_NANOS = System.nanoTime();

    private MonotonicClock() {
    }

    /** @return epoch ms as this process counts them: never less than an earlier answer */
    public static long millis() {
        return START_WALL_MS + (System.nanoTime() - START_NANOS) / 1_000_000;
    }

    /**
     * How far the wall clock runs ahead of this clock now (ms; negative when behind): the wall
     * clock's steps since the start, forward less back, give or take a millisecond of rounding.
     * For comparing a time read off a wall clock (another machine's, or this one's HLC) with a
     * time of this clock.
     */
    public static long wallAheadMs() {
        return System.currentTimeMillis() - millis();
    }

    /**
     * How far the wall clock has stepped forward of this clock since the start (ms, never
     * negative): what an age measured from a time read off a wall clock must add, so that it
     * is not shorter than the same age on this clock.
     */
    public static long wallSteppedForwardMs() {
        return Math.max(0, wallAheadMs());
    }

    /**
     * How far the wall clock has stepped back of this clock since the start (ms, never
     * negative): how much earlier than a time of this clock a wall-clock reading of the same
     * moment may be.
     */
    public static long wallSteppedBackMs() {
        return Math.max(0, -wallAheadMs());
    }
}
