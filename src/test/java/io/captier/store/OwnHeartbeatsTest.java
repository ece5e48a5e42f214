package io.captier.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Only a heartbeat this process wrote gives a node a bound; the newest {@link OwnHeartbeats#CAPACITY} are kept. */
class OwnHeartbeatsTest {

    @Test
    void aHeartbeatCountsOnlyIfThisProcessWroteIt() {
        OwnHeartbeats own = new OwnHeartbeats();
        own.writing(1_000);
        own.writing(1_100);
        assertEquals(1_000, own.ours(1_000));
        assertEquals(1_100, own.ours(1_100));
        // the previous process's, on its own scale: between ours, after them, before them
        assertEquals(-1, own.ours(1_050));
        assertEquals(-1, own.ours(1_400));
        assertEquals(-1, own.ours(900));
        assertEquals(-1, own.ours(-1), "none shown stays none");
    }

    @Test
    void theOldestGoFirstBeyondTheCapacity() {
        OwnHeartbeats own = new OwnHeartbeats();
        for (long ms = 0; ms < OwnHeartbeats.CAPACITY + 10; ms++) {
            own.writing(ms);
        }
        own.writing(OwnHeartbeats.CAPACITY + 5); // written twice (Redis and PostgreSQL): kept once
        assertEquals(-1, own.ours(9), "among the oldest");
        assertEquals(10, own.ours(10));
        assertEquals(OwnHeartbeats.CAPACITY + 9, own.ours(OwnHeartbeats.CAPACITY + 9));
    }
}
