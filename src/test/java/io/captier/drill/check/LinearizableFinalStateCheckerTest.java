package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.check.linear.Budget;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Op;
import io.captier.drill.history.Precondition;
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
    void ofTwoCompareAndSetsFromOneVersionTheWinnerRemainsNeverThe412() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", Precondition.ifMatch(10), "b", 20, 2, 6).build(),
                ops.refused("c3", "k", Precondition.ifMatch(10), "c", new Mismatch(true, 20), 3, 7).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "b", 20, "consistent-1")));
        assertEquals(1, check(history, FinalState.of("k", "c", 30, "consistent-1")).size(), "a 412 applied nothing");
        assertEquals(1, check(history, FinalState.of("k", "a", 10, "consistent-1")).size(), "the winner was lost");
    }

    @Test
    void anUnknownCompareAndSetIsInTheFinalStateOnlyIfItsConditionCouldHaveHeld() {
        Op a = ops.write("c1", "k", "a", 10, 0, 1).build();
        Op unknown = ops.cas("c2", "k", Precondition.ifMatch(10), "c", 0, 4, 5).unknown(0).build();
        List<Op> couldHold = List.of(a, unknown);
        assertEquals(List.of(), check(couldHold, FinalState.of("k", "c", 30, "consistent-1")));
        assertEquals(List.of(), check(couldHold, FinalState.of("k", "a", 10, "consistent-1")));
        List<Op> overwritten = List.of(a, ops.write("c3", "k", "b", 20, 2, 3).build(), unknown);
        assertEquals(List.of(), check(overwritten, FinalState.of("k", "b", 20, "consistent-1")));
        List<Violation> found = check(overwritten, FinalState.of("k", "c", 30, "consistent-1"));
        assertEquals(1, found.size(), "v10 was gone before it was sent: " + found);
        assertTrue(found.get(0).message().contains("final state 'c' v30@consistent-1"), found.get(0).message());
    }

    @Test
    void aCreateMayFollowAnUnknownDelete() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.delete("c2", "k", 2, 3).unknown(0).build(),
                ops.cas("c3", "k", Precondition.ifNoneMatch(), "b", 30, 4, 5).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "b", 30, "consistent-1")));
        assertEquals(1, check(history, FinalState.of("k", "a", 10, "consistent-1")).size());
    }

    @Test
    void aSimulatedCompareAndSetHistoryEndsInItsLastStateAndNotInAnOverwrittenOne() {
        SimulatedRegister.Run run = SimulatedRegister.casRun("k", 4, 300, 21);
        assertEquals(List.of(), check(run.ops(), run.end()));
        Op first = run.ops().stream().filter(op -> op.acknowledged() && op.value() != null).findFirst().orElseThrow();
        assertTrue(run.ops().stream().anyMatch(op -> op.acknowledged() && op.invokeMs() > first.completeMs()),
                "acknowledged writes came after it: it was overwritten");
        assertEquals(1, check(run.ops(), FinalState.of("k", first.value(), first.version(), "consistent-1")).size());
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
