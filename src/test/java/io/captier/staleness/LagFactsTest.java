package io.captier.staleness;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The staleness rules as pure functions of what an instance knows (Staleness's class comment). */
class LagFactsTest {

    static final long NOW = 100_000;
    static final long OFFSET = 250;

    /** Everything looked at just now, no gap, nothing buffered. */
    static LagFacts inStep() {
        return new LagFacts(0, 0, NOW, 0, NOW, 0, NOW, OFFSET, 0);
    }

    @Test
    void aRedisNodeLagsByTheAgeOfOurNewestHeartbeatOnIt() {
        assertEquals(OptionalLong.of(300), inStep().ofRedis(NOW - 300, NOW));
    }

    @Test
    void withoutAHeartbeatASentinelMajorityOrALookAtTheGapsRedisHasNoBound() {
        assertTrue(inStep().ofRedis(-1, NOW).isEmpty(), "no heartbeat of ours on the node");
        assertTrue(new LagFacts(0, 0, NOW, 0, NOW, 0, 0, OFFSET, 0).ofRedis(NOW, NOW).isEmpty(),
                "no majority of sentinels has named the master");
        assertTrue(new LagFacts(0, 0, 0, 0, NOW, 0, NOW, OFFSET, 0).ofRedis(NOW, NOW).isEmpty(),
                "never looked at the gaps others published");
    }

    @Test
    void theSentinelsLastWordAndTheLastLookAtTheGapsBoundRedisFromBelow() {
        assertEquals(OptionalLong.of(2_000), new LagFacts(0, 0, NOW, 0, NOW, 0, NOW - 2_000, OFFSET, 0).ofRedis(NOW, NOW));
        assertEquals(OptionalLong.of(3_000), new LagFacts(0, 0, NOW - 3_000, 0, NOW, 0, NOW, OFFSET, 0).ofRedis(NOW, NOW));
    }

    @Test
    void ourOwnGapCountsAsIsAnotherClocksGapCountsTheOffsetAndOurForwardStep() {
        assertEquals(OptionalLong.of(5_000), new LagFacts(NOW - 5_000, 0, NOW, 0, NOW, 0, NOW, OFFSET, 0).ofRedis(NOW, NOW));
        assertEquals(OptionalLong.of(5_000 + OFFSET), new LagFacts(0, NOW - 5_000, NOW, 0, NOW, 0, NOW, OFFSET, 0)
                .ofRedis(NOW, NOW));
        assertEquals(OptionalLong.of(5_000 + OFFSET + 700), new LagFacts(0, NOW - 5_000, NOW, 0, NOW, 0, NOW, OFFSET, 700)
                .ofRedis(NOW, NOW), "a wall clock stepped forward 700 ms since start");
        assertEquals(OptionalLong.of(4_000 + OFFSET), new LagFacts(0, 0, NOW, 0, NOW, NOW - 4_000, NOW, OFFSET, 0)
                .ofRedis(NOW, NOW), "the hint log's writes reached neither store");
    }

    @Test
    void thePrimaryMissesOnlyBufferedWritesAndThoseSinceTheLastLookAtTheStream() {
        assertEquals(OptionalLong.of(0), inStep().ofPgPrimary(NOW));
        assertEquals(OptionalLong.of(1_500), new LagFacts(0, 0, NOW, 0, NOW - 1_500, 0, NOW, OFFSET, 0).ofPgPrimary(NOW));
        assertEquals(OptionalLong.of(9_000 + OFFSET), new LagFacts(0, 0, NOW, NOW - 9_000, NOW, NOW - 2_000, NOW, OFFSET, 0)
                .ofPgPrimary(NOW), "the older of the stream's and the hint log's oldest");
        assertEquals(OptionalLong.of(0), new LagFacts(NOW - 9_000, NOW - 9_000, NOW, 0, NOW, 0, NOW, OFFSET, 0)
                .ofPgPrimary(NOW), "a projection gap is Redis's lag, not PostgreSQL's");
    }

    @Test
    void beforeTheFirstLookAtTheStreamThePrimaryAndTheStandbyHaveNoBound() {
        LagFacts neverLooked = new LagFacts(0, 0, NOW, 0, 0, 0, NOW, OFFSET, 0);
        assertTrue(neverLooked.ofPgPrimary(NOW).isEmpty());
        assertTrue(neverLooked.ofPgStandby(NOW, NOW).isEmpty());
    }

    @Test
    void aStandbyLagsByItsHeartbeatAndAtLeastByThePrimary() {
        LagFacts streamSeenLate = new LagFacts(0, 0, NOW, 0, NOW - 800, 0, NOW, OFFSET, 0);
        assertEquals(OptionalLong.of(2_000), streamSeenLate.ofPgStandby(NOW - 2_000, NOW));
        assertEquals(OptionalLong.of(800), streamSeenLate.ofPgStandby(NOW - 100, NOW));
        assertTrue(streamSeenLate.ofPgStandby(-1, NOW).isEmpty());
    }

    @Test
    void aRedisMissSaysNothingWhileAGapReachesBackToTheStart() {
        assertTrue(inStep().redisMissesBounded());
        assertFalse(new LagFacts(1, 0, NOW, 0, NOW, 0, NOW, OFFSET, 0).redisMissesBounded());
        assertFalse(new LagFacts(0, 1, NOW, 0, NOW, 0, NOW, OFFSET, 0).redisMissesBounded());
        assertTrue(new LagFacts(NOW - 5_000, 0, NOW, 0, NOW, 0, NOW, OFFSET, 0).redisMissesBounded());
    }
}
