package io.captier.drill.run;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The offsets a drill draws stay within the bound, and its steps go both ways and are worth the name. */
class DrillClocksTest {

    private static final long BOUND = DrillClocks.BOUND_MS;

    @Test
    void everyOffsetStaysWithinTheBoundAndEveryStepIsAStep() {
        Random random = new Random(42);
        for (int run = 0; run < 1_000; run++) {
            long offset = DrillClocks.firstOffset(random);
            assertTrue(Math.abs(offset) <= BOUND, "first offset " + offset);
            for (int step = 0; step < 60; step++) { // a 60-minute soak steps each instance about 14 times
                long next = DrillClocks.nextOffset(offset, random);
                assertTrue(Math.abs(next) <= BOUND, "step to " + next);
                assertTrue(Math.abs(next - offset) >= DrillClocks.MIN_STEP_MS, offset + " -> " + next);
                offset = next;
            }
        }
    }

    @Test
    void stepsGoBackAsOftenAsForward() {
        Random random = new Random(7);
        int back = 0;
        long offset = DrillClocks.firstOffset(random);
        for (int step = 0; step < 10_000; step++) {
            long next = DrillClocks.nextOffset(offset, random);
            back += next < offset ? 1 : 0;
            offset = next;
        }
        assertTrue(back > 4_000 && back < 6_000, back + " of 10 000 steps went back");
    }

    @Test
    void theSameSeedDrawsTheSameOffsets() {
        Random a = new Random(99);
        Random b = new Random(99);
        for (int i = 0; i < 100; i++) {
            assertEquals(DrillClocks.firstOffset(a), DrillClocks.firstOffset(b));
            assertEquals(DrillClocks.nextOffset(-120, a), DrillClocks.nextOffset(-120, b));
        }
    }
}
