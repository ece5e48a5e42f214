package io.captier.drill.run;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A soak's keys are new every lifetime window, so that each key's history stays short. */
class DrillPlanTest {

    private static final List<String> KEYS = List.of("d-consistent-k0", "d-consistent-k1");

    @Test
    void theDefaultDrillKeepsItsKeys() {
        DrillPlan ci = DrillPlan.ci();
        assertEquals("d-consistent-k1", ci.key(KEYS, 1, 0));
        assertEquals("d-consistent-k1", ci.key(KEYS, 1, 3_600_000));
    }

    @Test
    void aSoakMovesToNewKeysEveryThreeMinutes() {
        DrillPlan soak = DrillPlan.soak(Duration.ofMinutes(60));
        long window = Duration.ofMinutes(3).toMillis();
        assertEquals(soak.key(KEYS, 0, 5 * window), soak.key(KEYS, 0, 6 * window - 1));
        assertNotEquals(soak.key(KEYS, 0, 5 * window), soak.key(KEYS, 0, 6 * window));
        assertNotEquals(soak.key(KEYS, 0, 5 * window), soak.key(KEYS, 1, 5 * window));
        assertEquals("d-consistent-k0-t5", soak.key(KEYS, 0, 5 * window));
    }
}
