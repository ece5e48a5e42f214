package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.check.linear.Budget;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearizableFinalStateCheckerTest {

    private final Ops ops = Ops.consistent();
    private final LinearizableFinalStateChecker checker = new LinearizableFinalStateChecker(Budget.DEFAULT,
            Budget.DEFAULT);

    private List<Violation> check(List<Op> history, FinalState state) {
        return checker.check(History.of(history).withFinalStates(List.of(state)));
    }

    @Test
    void theLastAcknowledgedWriteIsWhatRemains() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 0, 1).build(), ops.write("c1", "k", "b", 2, 3).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "b", 20, "consistent-1")));
    }

    @Test
    void anOverwrittenValueComingBackMeansTheLaterWriteWasLost() {
        Op a = ops.write("c1", "k", "a", 0, 1).build();
        Op b = ops.write("c1", "k", "b", 2, 3).build();
        List<Violation> found = check(List.of(a, b), FinalState.of("k", "a", 10, "consistent-1"));
        assertEquals(1, found.size());
        assertTrue(found.get(0).conclusive());
        assertTrue(found.get(0).ops().contains(b), found.get(0)::toString);
        assertTrue(found.get(0).ops().stream().anyMatch(op -> op.client().equals("final-state")));
    }

    @Test
    void noRowAfterAnAcknowledgedWriteIsALoss() {
        List<Violation> found = check(List.of(ops.write("c1", "k", "a", 0, 1).build()), FinalState.absent("k"));
        assertEquals(1, found.size());
    }

    @Test
    void anUnknownWriteMayOrMayNotBeInTheFinalState() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 0, 1).build(),
                ops.write("c2", "k", "b", 2, 3).unknown(0).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "a", 10, "consistent-1")));
        assertEquals(List.of(), check(history, FinalState.of("k", "b", 20, "consistent-1")));
    }

    @Test
    void aFailedWriteMustNotBeTheFinalState() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 0, 1).build(),
                ops.write("c2", "k", "b", 2, 3).failed(503).build());
        assertEquals(1, check(history, FinalState.of("k", "b", 20, "consistent-1")).size());
    }

    @Test
    void concurrentWritesMayEndEitherWayButNotInAThirdValue() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 0, 10).build(), ops.write("c2", "k", "b", 5, 15).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "a", 10, "consistent-1")));
        assertEquals(List.of(), check(history, FinalState.of("k", "b", 10, "consistent-1")));
        assertEquals(1, check(history, FinalState.of("k", "c", 10, "consistent-1")).size());
    }

    @Test
    void aDeleteLeavesATombstone() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 0, 1).build(), ops.delete("c1", "k", 2, 3).build());
        assertEquals(List.of(), check(history, FinalState.tombstone("k", 20, "consistent-1")));
        assertEquals(1, check(history, FinalState.of("k", "a", 10, "consistent-1")).size());
    }

    @Test
    void aWrittenKeyWithoutAFinalStateIsInconclusive() {
        List<Violation> found = checker.check(History.of(List.of(ops.write("c1", "k", "a", 0, 1).build())));
        assertEquals(1, found.size());
        assertEquals(Violation.Kind.INCONCLUSIVE, found.get(0).kind());
        assertEquals(List.of(), checker.check(History.of(List.of(ops.read("c1", "j", null, 0, 1).build()))),
                "a key nobody could have written is absent");
    }
}
