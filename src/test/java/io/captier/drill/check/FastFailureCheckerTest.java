package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.history.Downtime;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FastFailureCheckerTest {

    private final Ops ops = Ops.consistent();
    private final FastFailureChecker checker = new FastFailureChecker(2000, 500);

    private List<Violation> check(Op... history) {
        return checker.check(History.of(List.of(history)));
    }

    @Test
    void failuresWithinTheTimeoutAreFast() {
        assertEquals(List.of(), check(
                ops.read("c", "k", null, 0, 5).failed(503).build(),
                ops.write("c", "k", "a", 0, 2400).unknown(503).build(),
                ops.write("c", "k", "a", 0, 2500).unknown(0).build()));
    }

    @Test
    void aSlow503IsAViolation() {
        Op slow = ops.read("c", "k", null, 0, 2600).failed(503).build();
        List<Violation> found = check(slow, ops.read("c", "k", null, 0, 5).failed(503).build());
        assertEquals(1, found.size());
        assertEquals(List.of(slow), found.get(0).ops());
    }

    @Test
    void aRequestLeftWithoutAnswerPastTheBoundIsAViolation() {
        assertEquals(1, check(ops.write("c", "k", "a", 0, 15_000).unknown(0).build()).size());
    }

    @Test
    void aRequestWhoseInstanceWasKilledUnderItIsNotJudged() {
        Op cutShort = ops.write("c", "k", "a", 0, 2600).unknown(0).build();
        History history = History.of(List.of(cutShort)).withDowntimes(List.of(new Downtime("consistent-1", 1800, 20_000)));
        assertEquals(List.of(), checker.check(history));
        assertEquals(1, checker.check(History.of(List.of(cutShort))).size(), "judged when its instance stayed up");
    }

    @Test
    void theSlowestAreShownFirst() {
        List<Violation> found = check(
                ops.read("c", "k", null, 0, 3000).failed(503).build(),
                ops.read("c", "k", null, 0, 9000).failed(503).build());
        assertEquals(9000, found.get(0).ops().get(0).latencyMs());
    }

    @Test
    void slowSuccessesAndAvailableFailuresAreNotItsBusiness() {
        assertEquals(List.of(), check(
                ops.read("c", "k", null, 0, 9000).build(),
                Ops.available().read("c", "k", null, 0, 9000).failed(503).build()));
    }
}
