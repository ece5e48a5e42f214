package io.captier.drill.check.linear;

import io.captier.drill.Ops;
import io.captier.drill.history.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.captier.drill.check.linear.WglSearch.Verdict.BUDGET_EXCEEDED;
import static io.captier.drill.check.linear.WglSearch.Verdict.LINEARIZABLE;
import static io.captier.drill.check.linear.WglSearch.Verdict.NOT_LINEARIZABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WglSearchTest {

    private final Ops ops = Ops.consistent();

    private static WglSearch.Verdict search(Op... history) {
        return WglSearch.run(RegisterHistory.of(List.of(history)), Budget.DEFAULT.start());
    }

    @Test
    void sequentialWritesAndReadsAreLinearizable() {
        assertEquals(LINEARIZABLE, search(
                ops.read("c1", "k", null, 0, 1).build(),
                ops.write("c1", "k", "a", 2, 3).build(),
                ops.read("c2", "k", "a", 4, 5).build(),
                ops.delete("c2", "k", 6, 7).build(),
                ops.read("c1", "k", null, 8, 9).build()));
    }

    @Test
    void aStaleReadAfterACompletedWriteIsNot() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 0, 1).build(),
                ops.write("c1", "k", "b", 2, 3).build(),
                ops.read("c2", "k", "a", 4, 5).build()));
    }

    @Test
    void aReadOfAbsentAfterACompletedWriteIsNot() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 0, 1).build(),
                ops.read("c2", "k", null, 4, 5).build()));
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherSide() {
        Op write = ops.write("c1", "k", "b", 10, 20).build();
        assertEquals(LINEARIZABLE, search(ops.write("c1", "k", "a", 0, 1).build(), write,
                ops.read("c2", "k", "a", 12, 18).build(), ops.read("c3", "k", "b", 13, 19).build()));
        assertEquals(NOT_LINEARIZABLE, search(ops.write("c1", "k", "a", 0, 1).build(), write,
                ops.read("c2", "k", "b", 12, 15).build(), ops.read("c3", "k", "a", 16, 19).build()),
                "once a read saw b, a later read cannot see a again");
    }

    /**
     * W(a) is sent first and answered last; W(b) runs inside it. A reader sees b, then after
     * W(b) returned another reader sees a: only the order W(b), R(b), W(a), R(a) works, which
     * is neither invocation nor completion order. A delete overlapping them lands last.
     */
    @Test
    void overlappingOperationsLinearizableOnlyInANonObviousOrder() {
        Op writeA = ops.write("c1", "k", "a", 0, 100).build();
        Op writeB = ops.write("c2", "k", "b", 10, 20).build();
        Op readB = ops.read("c3", "k", "b", 12, 18).build();
        Op readA = ops.read("c4", "k", "a", 30, 40).build();
        Op delete = ops.delete("c2", "k", 5, 50).build();
        Op readAbsent = ops.read("c3", "k", null, 45, 60).build();
        assertEquals(LINEARIZABLE, search(writeA, writeB, readB, readA, delete, readAbsent));
    }

    @Test
    void theSameOverlapWithALaterReadOfTheOverwrittenValueIsNot() {
        Op writeA = ops.write("c1", "k", "a", 0, 100).build();
        Op writeB = ops.write("c2", "k", "b", 10, 20).build();
        Op readB = ops.read("c3", "k", "b", 12, 18).build();
        Op readA = ops.read("c4", "k", "a", 30, 40).build();
        Op lateReadB = ops.read("c3", "k", "b", 110, 120).build();
        assertEquals(NOT_LINEARIZABLE, search(writeA, writeB, readB, readA, lateReadB));
    }

    @Test
    void anUnknownWriteMayHaveHappenedOrNot() {
        Op known = ops.write("c1", "k", "a", 0, 1).build();
        Op unknown = ops.write("c2", "k", "b", 2, 3).unknown(0).build();
        assertEquals(LINEARIZABLE, search(known, unknown, ops.read("c3", "k", "a", 10, 11).build()),
                "it may never have happened");
        assertEquals(LINEARIZABLE, search(known, unknown, ops.read("c3", "k", "b", 10, 11).build()),
                "it may have happened");
        assertEquals(LINEARIZABLE, search(known, unknown, ops.read("c3", "k", "a", 10, 11).build(),
                ops.read("c3", "k", "b", 500, 501).build()), "it may have happened long after its client gave up");
        assertEquals(NOT_LINEARIZABLE, search(known, unknown, ops.read("c3", "k", "b", 10, 11).build(),
                ops.read("c3", "k", "a", 12, 13).build()), "but once seen it cannot un-happen");
    }

    @Test
    void anUnknownWriteCannotTakeEffectBeforeItWasSent() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c2", "k", "b", 20, 21).unknown(0).build(),
                ops.read("c3", "k", "b", 10, 11).build()));
    }

    @Test
    void aFailedWriteNeverHappened() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 0, 1).failed(503).build(),
                ops.read("c2", "k", "a", 2, 3).build()));
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 0, 1).failed(503).build(),
                ops.read("c2", "k", null, 2, 3).build()));
    }

    @Test
    void aReadThatFailedObservedNothing() {
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 0, 1).build(),
                ops.read("c2", "k", "zzz", 2, 3).failed(503).build()));
    }

    @Test
    void opsTouchingAtTheSameMillisecondCountAsConcurrent() {
        // Millisecond clocks cannot order these: the checker must not either.
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 0, 5).build(),
                ops.read("c2", "k", null, 5, 6).build()));
    }

    @Test
    void nanosecondTimesOrderWhatMillisecondsCannot() {
        Op write = ops.write("c1", "k", "a", 0, 5).nanos(0, 5_000_000).build();
        Op read = ops.read("c2", "k", null, 5, 6).nanos(5_000_001, 6_000_000).build();
        assertEquals(NOT_LINEARIZABLE, search(write, read));
    }

    @Test
    void aSearchOverItsBudgetSaysSo() {
        List<RegisterOp> register = RegisterHistory.of(List.of(
                ops.write("c1", "k", "a", 0, 1).build(),
                ops.write("c1", "k", "b", 2, 3).build(),
                ops.read("c2", "k", "a", 4, 5).build()));
        assertEquals(BUDGET_EXCEEDED, WglSearch.run(register, new Budget(3, 10_000).start()));
    }
}
