package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Durability;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StalenessCheckerTest {

    private final Ops ops = Ops.available();
    private final StalenessChecker checker = new StalenessChecker(50);

    /** a (v10) at 0, b (v20) acknowledged at 1000, c (v30) acknowledged at 1500. */
    private List<Op> writes() {
        return List.of(
                ops.write("w", "k", "a", 0, 10).assigned(10, Durability.PRIMARY).build(),
                ops.write("w", "k", "b", 990, 1000).assigned(20, Durability.PRIMARY).build(),
                ops.write("w", "k", "c", 1490, 1500).assigned(30, Durability.REPLICATED_BUFFER).build());
    }

    private List<Violation> check(Op read) {
        List<Op> history = new java.util.ArrayList<>(writes());
        history.add(read);
        return checker.check(History.of(history));
    }

    private Op.Builder read(String value, long version, long at, long reported) {
        return ops.read("r", "k", value, at, at + 2).instance("available-2").returned(value, version, "redis-replica",
                reported);
    }

    @Test
    void aStaleValueReportedWithEnoughStalenessIsHonest() {
        // a was superseded when b was acknowledged at 1000: read at 1800 lags 800 ms.
        assertEquals(List.of(), check(read("a", 10, 1800, 800).build()));
        assertEquals(List.of(), check(read("a", 10, 1800, 5000).build()), "over-stating is allowed");
        assertEquals(List.of(), check(read("c", 30, 1800, 0).build()), "the newest value is not stale");
    }

    @Test
    void underReportingBeyondTheToleranceIsAViolation() {
        List<Violation> found = check(read("a", 10, 1800, 100).build());
        assertEquals(1, found.size());
        assertTrue(found.get(0).message().contains("800 ms"), found.get(0).message());
        assertEquals("b", found.get(0).ops().get(0).value(), "the first write that superseded a");
    }

    @Test
    void theToleranceAbsorbsMeasurementNoise() {
        assertEquals(List.of(), check(read("b", 20, 1800, 260).build()), "300 ms actual, 40 under");
        assertEquals(1, check(read("b", 20, 1800, 240).build()).size(), "300 ms actual, 60 under");
    }

    @Test
    void aWriteStillInFlightWhenTheReadWasSentDoesNotCount() {
        assertEquals(List.of(), check(read("b", 20, 1495, 0).build()));
    }

    @Test
    void notFoundBeforeAnyDeleteLagsTheFirstWrite() {
        assertEquals(1, check(read(null, 0, 1800, 0).build()).size());
        assertEquals(List.of(), check(read(null, 0, 1800, 1800).build()));
    }

    @Test
    void aLocalWriteCountsOnlyAgainstReadsOfItsOwnInstance() {
        Op local = ops.write("w", "j", "new", 0, 10).instance("available-1").assigned(50, Durability.LOCAL).build();
        Op before = ops.write("w", "j", "old", -100, -90).assigned(40, Durability.PRIMARY).build();
        Op elsewhere = ops.read("r", "j", "old", 1000, 1001).instance("available-2")
                .returned("old", 40, "redis-replica", 0).build();
        Op sameInstance = ops.read("r", "j", "old", 1000, 1001).instance("available-1")
                .returned("old", 40, "redis-replica", 0).build();
        assertEquals(List.of(), checker.check(History.of(List.of(before, local, elsewhere))));
        assertEquals(1, checker.check(History.of(List.of(before, local, sameInstance))).size());
    }

    @Test
    void aLocalWriteReplayedByAnotherInstanceStillCountsOnlyOnItsOrigin() {
        Op before = ops.write("w", "j", "old", -100, -90).assigned(40, Durability.PRIMARY).build();
        Op local = ops.write("w", "j", "new", 0, 10).idempotencyKey("w-w1").assigned(50, Durability.LOCAL).build();
        Op replay = ops.write("w", "j", "new", 20, 30).instance("available-2").idempotencyKey("w-w1")
                .assigned(50, Durability.LOCAL).origin("available-1").replayed(true).build();
        Op readOnTwo = ops.read("r", "j", "old", 1000, 1001).instance("available-2")
                .returned("old", 40, "redis-replica", 0).build();
        Op readOnOne = ops.read("r", "j", "old", 1000, 1001).instance("available-1")
                .returned("old", 40, "redis-replica", 0).build();
        assertEquals(List.of(), checker.check(History.of(List.of(before, local, replay, readOnTwo))),
                "the write is on available-1's disk only, whoever repeated the answer");
        assertEquals(1, checker.check(History.of(List.of(before, local, replay, readOnOne))).size());
    }

    @Test
    void aReplayDoesNotMoveWhenTheValueWasSuperseded() {
        // b (v20) was acknowledged at 1000; its replay at 1700 changes nothing: a is stale since 1000.
        List<Op> history = new java.util.ArrayList<>(writes());
        history.add(ops.write("w", "k", "b", 1690, 1700).instance("available-2").assigned(20, Durability.PRIMARY)
                .origin("available-1").replayed(true).build());
        history.add(read("a", 10, 1800, 800).build());
        assertEquals(List.of(), checker.check(History.of(history)));
        history.set(history.size() - 1, read("a", 10, 1800, 100).build());
        assertEquals(1, checker.check(History.of(history)).size());
    }

    @Test
    void consistentReadsAreNotJudgedHere() {
        Op consistentRead = Ops.consistent().read("r", "k", "a", 1800, 1802).returned("a", 10, "postgres-primary", 0)
                .build();
        assertEquals(List.of(), check(consistentRead));
    }
}
