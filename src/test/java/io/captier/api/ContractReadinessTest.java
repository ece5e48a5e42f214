package io.captier.api;

import org.junit.jupiter.api.Test;

import static io.captier.api.ContractReadiness.availableReady;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The available profile's readiness rule. ReadinessIT shows its first half on the real topology
 * (started while the Redis master is paused: not ready); the case below that the soak found is
 * a race between the sentinels naming a master and this instance's first look at its stream,
 * which no IT can time, so the rule itself is held here.
 */
class ContractReadinessTest {

    @Test
    void readyOnEitherStoreOnceThePendingStreamWasSeen() {
        assertTrue(availableReady(true, false, false, true), "the primary alone");
        assertTrue(availableReady(false, true, true, true), "the Redis master alone, gaps seen");
        assertTrue(availableReady(true, true, true, true), "both");
    }

    @Test
    void notReadyOnTheRedisMasterBeforeTheFirstLookAtThePendingStream() {
        // The 30-minute soak: an instance restarted during a Redis failover said ready on the new
        // master before its heartbeat had looked at the stream; the master paused 2 s later, and
        // with PostgreSQL unbounded it answered reads "no source can answer".
        assertFalse(availableReady(false, true, true, false));
        assertFalse(availableReady(true, true, true, false));
    }

    @Test
    void notReadyOnTheRedisMasterBeforeTheGapsOthersPublished() {
        assertFalse(availableReady(false, true, false, true));
    }

    @Test
    void notReadyWithNeitherStore() {
        assertFalse(availableReady(false, false, true, true));
    }
}
