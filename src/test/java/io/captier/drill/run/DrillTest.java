package io.captier.drill.run;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a stuck reconciliation's report keeps from an instance's thread dump. */
class DrillTest {

    private static final String DUMP = """
            12345:
            Full thread dump OpenJDK 64-Bit Server VM:

            "executor-thread-1" #40 daemon prio=5 os_prio=0 tid=0x1 nid=0x2 waiting on condition
               java.lang.Thread.State: WAITING (parking)
            \tat jdk.internal.misc.Unsafe.park(java.base@17/Native Method)

            "reconciler" #31 daemon prio=5 os_prio=0 tid=0x3 nid=0x4 runnable
               java.lang.Thread.State: RUNNABLE
            \tat java.net.SocketInputStream.socketRead0(java.base@17/Native Method)
            \tat org.postgresql.core.PGStream.receiveChar(PGStream.java:1)
            \tat io.captier.store.postgres.PgCalls.connected(PgCalls.java:2)
            \tat java.util.concurrent.FutureTask.runAndReset(FutureTask.java:3)

            "heartbeat" #32 daemon prio=5 os_prio=0 tid=0x5 nid=0x6 waiting on condition
               java.lang.Thread.State: TIMED_WAITING (parking)
            """;

    @Test
    void keepsTheBackgroundThreadsOnly() {
        String kept = Drill.backgroundStacks(DUMP);
        assertTrue(kept.contains("\"reconciler\" #31") && kept.contains("PGStream.receiveChar"), kept);
        assertTrue(kept.contains("PgCalls.connected") && !kept.contains("FutureTask"), "down to captier's own frame: " + kept);
        assertTrue(kept.contains("\"heartbeat\" #32"), kept);
        assertTrue(!kept.contains("executor-thread-1"), kept);
    }

    @Test
    void saysSoWhenThereIsNone() {
        assertEquals("  (none found: (not running))\n", Drill.backgroundStacks("(not running)"));
    }
}
