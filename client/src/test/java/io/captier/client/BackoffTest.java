package io.captier.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(2);

    @Test
    void doublesPerAttemptWithinEqualJitter() {
        Backoff low = new Backoff(INITIAL, MAX, () -> 0.0);
        Backoff high = new Backoff(INITIAL, MAX, () -> 0.999999);
        for (int attempt = 1; attempt <= 4; attempt++) {
            long e = 100L << (attempt - 1);
            assertEquals(Duration.ofMillis(e / 2), low.next(attempt, Optional.empty()).orElseThrow());
            long upper = high.next(attempt, Optional.empty()).orElseThrow().toMillis();
            assertTrue(upper >= e - 1 && upper <= e, "attempt " + attempt + ": " + upper);
        }
    }

    @Test
    void neverAboveTheBoundWhateverTheAttempt() {
        for (double u : new double[]{0, 0.5, 0.9999, 1, 7, -3}) {
            Backoff b = new Backoff(INITIAL, MAX, () -> u);
            for (int attempt = 1; attempt < 200; attempt++) {
                Duration d = b.next(attempt, Optional.empty()).orElseThrow();
                assertTrue(!d.isNegative() && d.compareTo(MAX) <= 0, attempt + ": " + d);
                Duration r = b.next(attempt, Optional.of(Duration.ofSeconds(1))).orElseThrow();
                assertTrue(r.compareTo(Duration.ofSeconds(1)) >= 0 && r.compareTo(MAX) <= 0, attempt + ": " + r);
            }
        }
        assertEquals(Duration.ofSeconds(1), new Backoff(INITIAL, MAX, () -> 0.0).next(Integer.MAX_VALUE, Optional.empty())
                .orElseThrow(), "no overflow: e is MAX, the wait at least half of it");
    }

    @Test
    void retryAfterIsAFloorWithJitterAbove() {
        Backoff b = new Backoff(INITIAL, MAX, () -> 0.5);
        assertEquals(Duration.ofMillis(1025), b.next(1, Optional.of(Duration.ofSeconds(1))).orElseThrow(), "1 s + 0.5 * 50 ms");
        assertEquals(Duration.ZERO.plusMillis(25), b.next(1, Optional.of(Duration.ZERO)).orElseThrow());
        assertEquals(MAX, b.next(10, Optional.of(MAX)).orElseThrow(), "capped at the bound");
    }

    @Test
    void aRetryAfterBeyondTheBoundEndsTheRetries() {
        Backoff b = new Backoff(INITIAL, MAX, () -> 0.5);
        assertTrue(b.next(1, Optional.of(MAX.plusMillis(1))).isEmpty());
    }

    @Test
    void refusesAnInvertedRange() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(MAX, INITIAL, () -> 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, MAX, () -> 0));
    }
}
