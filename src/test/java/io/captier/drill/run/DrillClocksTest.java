package io.captier.drill.run;

import io.captier.mode.Mode;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The offsets a drill draws stay within the bound, and an available instance's never go back. */
class DrillClocksTest {

    private static final long BOUND = DrillClocks.BOUND_MS;

    @Test
    void everyOffsetStaysWithinTheBoundAndAvailableOnesOnlyMoveForward() {
        Random random = new Random(42);
        for (int run = 0; run < 1_000; run++) {
            for (Mode mode : Mode.values()) {
                long offset = DrillClocks.firstOffset(mode, random);
                assertTrue(Math.abs(offset) <= BOUND, mode + " first offset " + offset);
                if (mode == Mode.AVAILABLE) {
                    assertTrue(offset <= -BOUND / 2, "an available instance starts behind, with room: " + offset);
                }
                for (int step = 0; step < 60; step++) { // a 60-minute soak steps each instance about 14 times
                    long next = DrillClocks.nextOffset(mode, offset, random);
                    assertTrue(Math.abs(next) <= BOUND, mode + " step to " + next);
                    if (mode == Mode.AVAILABLE) {
                        assertTrue(next >= offset, "an available clock never steps back: " + offset + " -> " + next);
                    }
                    offset = next;
                }
            }
        }
    }

    @Test
    void aFirstStepOfAnAvailableInstanceIsAStepWorthTheName() {
        Random random = new Random(7);
        for (int run = 0; run < 1_000; run++) {
            long from = DrillClocks.firstOffset(Mode.AVAILABLE, random);
            long to = DrillClocks.nextOffset(Mode.AVAILABLE, from, random);
            // the room is at least BOUND * 1.5, a quarter of it at least 75 ms
            assertTrue(to - from >= (BOUND * 3 / 2) / 4, from + " -> " + to);
        }
    }

    @Test
    void theSameSeedDrawsTheSameOffsets() {
        Random a = new Random(99);
        Random b = new Random(99);
        for (int i = 0; i < 100; i++) {
            assertEquals(DrillClocks.firstOffset(Mode.CONSISTENT, a), DrillClocks.firstOffset(Mode.CONSISTENT, b));
            assertEquals(DrillClocks.nextOffset(Mode.AVAILABLE, -120, a), DrillClocks.nextOffset(Mode.AVAILABLE, -120, b));
        }
    }
}
