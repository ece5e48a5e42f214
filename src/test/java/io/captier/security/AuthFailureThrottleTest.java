package io.captier.security;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthFailureThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AuthFailureThrottle throttle = new AuthFailureThrottle(10, now::get);

    @Test
    void tenFailuresAMinuteThenRefusedUntilOneMoreTryRefills() {
        for (int i = 0; i < 10; i++) {
            assertEquals(0, throttle.acquire("10.0.0.1"), "try " + (i + 1));
        }
        long retry = throttle.acquire("10.0.0.1");
        assertTrue(retry > 5_000 && retry <= 6_000, "one try comes back every 6 s: " + retry);
        now.addAndGet(retry);
        assertEquals(0, throttle.acquire("10.0.0.1"), "after Retry-After, one more try");
        assertTrue(throttle.acquire("10.0.0.1") > 0, "and only one");
    }

    @Test
    void anotherAddressIsNotAffected() {
        for (int i = 0; i < 11; i++) {
            throttle.acquire("10.0.0.1");
        }
        assertTrue(throttle.acquire("10.0.0.1") > 0);
        assertEquals(0, throttle.acquire("10.0.0.2"));
    }

    @Test
    void validKeysGiveTheirTryBack() {
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, throttle.acquire("10.0.0.1"));
            throttle.refund("10.0.0.1");
        }
    }

    @Test
    void aFullMinuteRestoresTheWholeBudgetAndNoMore() {
        for (int i = 0; i < 10; i++) {
            throttle.acquire("10.0.0.1");
        }
        now.addAndGet(10 * 60_000);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, throttle.acquire("10.0.0.1"));
        }
        assertTrue(throttle.acquire("10.0.0.1") > 0, "the budget never exceeds 10");
    }
}
