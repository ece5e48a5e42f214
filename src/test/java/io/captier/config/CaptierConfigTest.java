package io.captier.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The part of NETWORK_TIMEOUT a request keeps for its answer (DESIGN C3: the 503 comes within it). */
class CaptierConfigTest {

    @Test
    void aStoreCallLeavesTwoHundredFiftyMillisecondsOrAQuarterOfAShortTimeout() {
        assertEquals(Duration.ofMillis(250), CaptierConfig.answerMargin(Duration.ofSeconds(2)));
        assertEquals(Duration.ofMillis(250), CaptierConfig.answerMargin(Duration.ofSeconds(30)));
        assertEquals(Duration.ofMillis(125), CaptierConfig.answerMargin(Duration.ofMillis(500)));
        assertEquals(Duration.ZERO, CaptierConfig.answerMargin(Duration.ofMillis(1)));
    }
}
