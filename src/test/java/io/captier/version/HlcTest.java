package io.captier.version;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HlcTest {

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final List<ClockOffset> offsets = new ArrayList<>();
    private final Hlc hlc = new Hlc(new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    }, 500, offsets::add, () -> 0);

    @Test
    void versionsCarryTheWallClockInTheHigh48Bits() {
        long v = hlc.next();
        assertEquals(now.get(), Hlc.wallMillis(v));
        assertEquals(Hlc.atMillis(now.get()), v);
    }

    /** An instance whose clock stands still at {@code now}, drawing from {@code seeded}. */
    private Hlc anotherInstance(java.util.Random seeded) {
        return new Hlc(Clock.fixed(Instant.ofEpochMilli(now.get()), ZoneOffset.UTC), 500, offsets::add,
                () -> seeded.nextInt(1 << Hlc.START_BITS));
    }

    @Test
    void twoInstancesInOneMillisecondIssueDifferentVersions() {
        // Seeded, so that this test gives the same answer every run: 2 000 pairs of instances,
        // each issuing its first version in the same millisecond.
        java.util.Random seeded = new java.util.Random(42);
        int ties = 0;
        for (int i = 0; i < 2_000; i++) {
            Hlc a = anotherInstance(seeded);
            Hlc b = anotherInstance(seeded);
            long va = a.next();
            long vb = b.next();
            assertEquals(now.get(), Hlc.wallMillis(va));
            assertEquals(now.get(), Hlc.wallMillis(vb));
            if (va == vb) {
                ties++;
            }
        }
        // With every counter starting at 0 (as before), all 2 000 pairs tied.
        assertTrue(ties <= 1, ties + " ties in 2 000 pairs; about 0.06 expected");
    }

    @Test
    void twoInstancesThatObservedTheSameVersionRarelyIssueTheSameNext() {
        java.util.Random seeded = new java.util.Random(7);
        long seen = Hlc.atMillis(now.get() + 100) + 12_345; // ahead of both clocks, within the offset
        int ties = 0;
        for (int i = 0; i < 2_000; i++) {
            Hlc a = anotherInstance(seeded);
            Hlc b = anotherInstance(seeded);
            a.observe(seen);
            b.observe(seen);
            long va = a.next();
            long vb = b.next();
            assertTrue(va > seen && vb > seen);
            if (va == vb) {
                ties++;
            }
        }
        // Stepping by 1 (as before), all 2 000 pairs tied; about 2 are expected at 1 in 1 024.
        assertTrue(ties <= 8, ties + " ties in 2 000 pairs");
    }

    @Test
    void aMillisecondsCounterStartsBelowHalfItsRangeAndStepsBelow1025() {
        Hlc random = new Hlc(Clock.fixed(Instant.ofEpochMilli(now.get()), ZoneOffset.UTC), 500, offsets::add,
                () -> (1 << Hlc.START_BITS) - 1);
        long first = random.next();
        assertEquals(Hlc.atMillis(now.get()) + (1 << Hlc.START_BITS) - 1, first);
        assertEquals(first + 1 + Hlc.STEP_MASK, random.next(), "the start is drawn once per millisecond, "
                + "then the counter steps by 1 + the draw's low 10 bits");
    }

    @Test
    void withinOneMillisecondTheCounterOrdersVersions() {
        long a = hlc.next();
        long b = hlc.next();
        assertEquals(a + 1, b);
        assertEquals(Hlc.wallMillis(a), Hlc.wallMillis(b));
    }

    @Test
    void aClockThatGoesBackNeverMakesVersionsGoBack() {
        long a = hlc.next();
        now.addAndGet(-5_000);
        long b = hlc.next();
        assertTrue(b > a, "after the clock stepped back");
    }

    @Test
    void observedVersionsFromAheadWithinTheOffsetAreMergedIn() {
        long fromAhead = Hlc.atMillis(now.get() + 500) + 7;
        hlc.observe(fromAhead);
        assertTrue(hlc.next() > fromAhead);
        hlc.observe(1); // an old version changes nothing
        assertTrue(hlc.next() > fromAhead + 1);
        assertEquals(List.of(), offsets);
    }

    @Test
    void aVersionFurtherAheadThanTheOffsetIsReportedNotAdopted() {
        long fromTheFuture = Hlc.atMillis(now.get() + 10_000) + 7;
        hlc.observe(fromTheFuture);
        long next = hlc.next();
        assertEquals(now.get(), Hlc.wallMillis(next), "this instance's versions stay on its own clock");
        assertEquals(List.of(new ClockOffset(fromTheFuture, 10_000, 500)), offsets);

        // once this instance's clock has come within the offset of it, it is adopted
        now.addAndGet(9_600);
        hlc.observe(fromTheFuture);
        assertTrue(hlc.next() > fromTheFuture);
        assertEquals(1, offsets.size());
    }

    @Test
    void counterOverflowCarriesIntoTheMilliseconds() {
        long start = hlc.next();
        long v = start;
        for (int i = 0; i < 70_000; i++) {
            long next = hlc.next();
            assertTrue(next > v);
            v = next;
        }
        assertTrue(Hlc.wallMillis(v) > Hlc.wallMillis(start));
    }
}
