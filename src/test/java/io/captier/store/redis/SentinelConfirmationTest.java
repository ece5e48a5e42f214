package io.captier.store.redis;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Since when the master an instance uses is known to be the only one: the time a majority of
 * the sentinels last named it ({@link SentinelVotes#confirmedAtMs}), the start of every Redis
 * node's staleness bound.
 */
class SentinelConfirmationTest {

    private static SentinelView said(String master, long atMs) {
        return new SentinelView(master, Map.of(), atMs);
    }

    @Test
    void theSecondMostRecentOfThreeAnswersNamingTheMaster() {
        assertEquals(900, SentinelVotes.confirmedAtMs(
                List.of(said("a:1", 1_000), said("a:1", 900), said("a:1", 500)), "a:1", 3));
    }

    @Test
    void aSentinelThatStoppedAnsweringKeepsItsLastWordAndItsAge() {
        // Two of three cut off since 200 and 300: the master is confirmed as of 300 only.
        assertEquals(300, SentinelVotes.confirmedAtMs(
                List.of(said("a:1", 1_000), said("a:1", 300), said("a:1", 200)), "a:1", 3));
    }

    @Test
    void answersNamingAnotherMasterDoNotConfirmThisOne() {
        assertEquals(0, SentinelVotes.confirmedAtMs(
                List.of(said("b:1", 1_000), said("b:1", 900), said("a:1", 800)), "a:1", 3));
        assertEquals(0, SentinelVotes.confirmedAtMs(
                List.of(said(null, 1_000), said("a:1", 900)), "a:1", 3), "a sentinel without a master");
        assertEquals(0, SentinelVotes.confirmedAtMs(List.of(said("a:1", 1_000)), null, 3), "no master known");
    }

    @Test
    void aMajorityOfTheConfiguredSentinelsNotOfThoseThatAnswered() {
        assertEquals(0, SentinelVotes.confirmedAtMs(List.of(said("a:1", 1_000), said("a:1", 900)), "a:1", 5));
        assertEquals(700, SentinelVotes.confirmedAtMs(
                List.of(said("a:1", 1_000), said("a:1", 900), said("a:1", 700)), "a:1", 5));
        assertEquals(1_000, SentinelVotes.confirmedAtMs(List.of(said("a:1", 1_000)), "a:1", 1));
    }
}
