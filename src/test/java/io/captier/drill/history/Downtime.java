package io.captier.drill.history;

/**
 * A window in which a service instance was deliberately down (killed, paused), so that
 * not answering then is no fault of the contract. {@code toMs} is {@link #UNTIL_END} when
 * the instance never came back before the final state was read.
 */
public record Downtime(String instance, long fromMs, long toMs) {

    public static final long UNTIL_END = Long.MAX_VALUE;

    public static Downtime untilEnd(String instance, long fromMs) {
        return new Downtime(instance, fromMs, UNTIL_END);
    }

    /** Does [fromMs, toMs] of a request touch this window? */
    public boolean overlaps(long startMs, long endMs) {
        return startMs <= toMs && endMs >= fromMs;
    }

    public boolean lastsToTheEnd() {
        return toMs == UNTIL_END;
    }
}
