package io.captier.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("1994-11-06T08:49:30Z");

    @Test
    void delaySeconds() {
        assertEquals(Duration.ofSeconds(1), RetryAfter.parse("1", NOW).orElseThrow());
        assertEquals(Duration.ZERO, RetryAfter.parse("0", NOW).orElseThrow());
        assertEquals(Duration.ofSeconds(120), RetryAfter.parse(" 120 ", NOW).orElseThrow());
    }

    @Test
    void aHugeDelayIsBoundedNotOverflowed() {
        assertEquals(Duration.ofDays(365), RetryAfter.parse("99999999999999999999999", NOW).orElseThrow());
    }

    @Test
    void allThreeHttpDateFormsOfRfc9110() {
        Duration seven = Duration.ofSeconds(7);
        assertEquals(seven, RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW).orElseThrow(), "IMF-fixdate");
        assertEquals(seven, RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", NOW).orElseThrow(), "RFC 850");
        assertEquals(seven, RetryAfter.parse("Sun Nov  6 08:49:37 1994", NOW).orElseThrow(), "asctime");
    }

    @Test
    void aDateInThePastIsNow() {
        assertEquals(Duration.ZERO, RetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", NOW).orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-1", "1.5", "soon", "1s", "Sun, 32 Nov 1994 08:49:37 GMT"})
    void anythingElseIsIgnored(String value) {
        assertTrue(RetryAfter.parse(value, NOW).isEmpty(), value);
    }

    @Test
    void absentIsEmpty() {
        assertTrue(RetryAfter.parse(null, NOW).isEmpty());
    }
}
