package io.captier.version;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Hybrid logical clock (docs/architecture.md A6): 48 bits of wall-clock milliseconds and 16 bits
 * of logical counter in one long. Monotonic per instance, and merged with every version
 * the instance observes, so a version it issues is always above anything it has seen —
 * within MAX_CLOCK_OFFSET_MS: a version whose clock part is further ahead of this
 * instance's wall clock is not adopted (Kulkarni et al., "Logical Physical Clocks", 2014,
 * bound the drift by the same ε). Adopting it would carry one wrong clock into every
 * version this instance issues, and from there into every instance that reads them. It is
 * reported instead, as a {@link ClockOffset} (docs/decisions.md, "Clocks").
 *
 * <p>In each new millisecond the counter starts at a random value below 2^15, not at 0, and
 * within one it steps by a random 1 to 1 024, not by 1: two instances issuing in the same
 * millisecond would otherwise both issue {@code ms << 16}, and two that observed the same
 * version would both issue the next one: two writes with one version and two origins.
 * Last-writer-wins orders them by origin, but a session token records versions only and
 * cannot tell them apart, so a session could be served the write that lost to its own (the
 * 60-minute soak found two). Now such a tie needs two draws out of 32 768 (or 1 024) to meet
 * (docs/decisions.md, "Versions are unique in practice, not by construction"). At least 32
 * versions fit in a millisecond before the counter carries into the millisecond part, which
 * keeps the order; a burst moves the clock part ahead by at most a millisecond per 64 versions.
 */
@ApplicationScoped
public class Hlc {

    static final int LOGICAL_BITS = 16;
    /** A millisecond's counter starts below 2^15: 2^15 versions of it are left before the carry. */
    static final int START_BITS = 15;
    /** Within a millisecond the counter steps by 1 to 1 024. */
    static final int STEP_MASK = (1 << 10) - 1;

    private final Clock clock;
    private final long maxOffsetMs;
    private final Consumer<ClockOffset> onOffset;
    private final IntSupplier random;
    private long last;

    /**
     * @param maxOffsetMs MAX_CLOCK_OFFSET_MS: how far ahead of this instance's wall clock an
     *                    observed version may be and still be adopted
     * @param offsets     where a version too far ahead is reported
     */
    @Inject
    public Hlc(@ConfigProperty(name = "captier.max-clock-offset-ms") long maxOffsetMs, Event<ClockOffset> offsets) {
        this(Clock.systemUTC(), maxOffsetMs, offsets::fire,
                () -> ThreadLocalRandom.current().nextInt(1 << START_BITS));
    }

    /** @param random where a millisecond's counter starts, in [0, 2^15); its low 10 bits are the step - 1 */
    Hlc(Clock clock, long maxOffsetMs, Consumer<ClockOffset> onOffset, IntSupplier random) {
        this.clock = clock;
        this.maxOffsetMs = maxOffsetMs;
        this.onOffset = onOffset;
        this.random = random;
    }

    /** A new version, strictly greater than every version issued or observed before. */
    public synchronized long next() {
        long wall = clock.millis() << LOGICAL_BITS;
        // When the wall clock has not moved past what we know, the logical part counts on;
        // its overflow simply carries into the millisecond part, which keeps the order.
        // A random start in a new millisecond, a random step within one (see the class comment).
        last = wall > last ? wall + random.getAsInt() : last + 1 + (random.getAsInt() & STEP_MASK);
        return last;
    }

    /**
     * Merge a version seen elsewhere (a store, another instance) into this clock, unless its
     * wall-clock part is more than MAX_CLOCK_OFFSET_MS ahead of this instance's clock: then
     * it is reported as a {@link ClockOffset} (outside the lock) and the clock stays as it was.
     *
     * @param version an HLC version as stored (48 bits of ms, 16 of counter)
     */
    public void observe(long version) {
        long aheadMs;
        synchronized (this) {
            if (version <= last) {
                return;
            }
            aheadMs = wallMillis(version) - clock.millis();
            if (aheadMs <= maxOffsetMs) {
                last = version;
                return;
            }
        }
        onOffset.accept(new ClockOffset(version, aheadMs, maxOffsetMs));
    }

    /** The wall-clock milliseconds a version was issued at (by its issuer's clock). */
    public static long wallMillis(long version) {
        return version >>> LOGICAL_BITS;
    }

    /** The lowest version of a given millisecond: handy for "everything since t" queries. */
    public static long atMillis(long millis) {
        return millis << LOGICAL_BITS;
    }
}
