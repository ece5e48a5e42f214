package io.captier.mode;

import io.captier.version.MonotonicClock;

/**
 * When a write started, on two clocks: {@link MonotonicClock} for the ages measured from it
 * (the projection gap, the cache), the wall clock for comparing with versions (its HLC's).
 */
record Started(long atMs, long wallMs) {

    static Started now() {
        return new Started(MonotonicClock.millis(), System.currentTimeMillis());
    }
}
