package io.captier.staleness;

import io.captier.version.Hlc;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write of this instance's may already be superseded when it starts, by a write from a clock
 * up to MAX_CLOCK_OFFSET_MS ahead ({@link Staleness#ofOwnWrite(long, long, long)}).
 */
class OwnWriteStalenessTest {

    private static final long START = 1_796_198_056_300L;
    private static final long MAX_OFFSET = 500;

    @Test
    void aVersionOnThisInstancesClockMayBeTheWholeOffsetStale() {
        assertEquals(MAX_OFFSET, Staleness.ofOwnWrite(Hlc.atMillis(START) + 17, START, MAX_OFFSET));
    }

    @Test
    void aVersionAheadOfThisInstancesClockNeedsLessMargin() {
        // adopted from a clock 200 ms ahead: a higher version was made at most 300 ms before
        assertEquals(300, Staleness.ofOwnWrite(Hlc.atMillis(START + 200), START, MAX_OFFSET));
        assertEquals(0, Staleness.ofOwnWrite(Hlc.atMillis(START + MAX_OFFSET), START, MAX_OFFSET));
        assertEquals(0, Staleness.ofOwnWrite(Hlc.atMillis(START + 3 * MAX_OFFSET), START, MAX_OFFSET));
    }

    @Test
    void aVersionBehindTheStartCountsHowFarBehindItIs() {
        // a higher version than one made 1 s before the start was made up to 1.5 s before it
        assertEquals(MAX_OFFSET + 1_000, Staleness.ofOwnWrite(Hlc.atMillis(START - 1_000), START, MAX_OFFSET));
    }

    @Test
    void withoutAnOffsetNothingIsAdded() {
        assertEquals(0, Staleness.ofOwnWrite(Hlc.atMillis(START), START, 0));
    }
}
