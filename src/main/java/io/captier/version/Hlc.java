package io.captier.version;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;

/**
 * Hybrid logical clock (DESIGN section 3): 48 bits of wall-clock milliseconds and 16 bits
 * of logical counter in one long. Monotonic per instance, and merged with every version
 * the instance observes, so a version it issues is always above anything it has seen.
 */
@ApplicationScoped
public class Hlc {

    static final int LOGICAL_BITS = 16;

    private final Clock clock;
    private long last;

    public Hlc() {
        this(Clock.systemUTC());
    }

    Hlc(Clock clock) {
        this.clock = clock;
    }

    /** A new version, strictly greater than every version issued or observed before. */
    public synchronized long next() {
        long wall = clock.millis() << LOGICAL_BITS;
        // When the wall clock has not moved past what we know, the logical part counts on;
        // its overflow simply carries into the millisecond part, which keeps the order.
        last = Math.max(wall, last + 1);
        return last;
    }

    /** Merge a version seen elsewhere (a store, another instance) into this clock. */
    public synchronized void observe(long version) {
        if (version > last) {
            last = version;
        }
    }

    /** The wall-clock milliseconds a version was issued at (by its issuer's clock). */
    public static long wallMillis(long version) {
        return version >>> LOGICAL_BITS;
    }

    /** The first version of a given millisecond: handy for "everything since t" queries. */
    public static long atMillis(long millis) {
        return millis << LOGICAL_BITS;
    }
}
