package io.captier.drill.check.linear;

import io.captier.drill.Ops;
import io.captier.drill.history.Op;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterExampleTest {

    private final Ops ops = Ops.consistent();

    @Test
    void aStaleReadInALongHistoryShrinksToTheReadAndTheWritesThatConvictIt() {
        List<Op> history = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < 20; i++, t += 10) {
            history.add(ops.write("c1", "k", "v" + i, t, t + 2).build());
            history.add(ops.read("c2", "k", "v" + i, t + 3, t + 5).build());
        }
        Op stale = ops.read("c3", "k", "v7", t, t + 2).build(); // v19 was written before
        history.add(stale);
        for (int i = 20; i < 30; i++, t += 10) {
            history.add(ops.write("c1", "k", "v" + i, t + 5, t + 7).build());
        }

        RegisterCheck result = RegisterCheck.of(RegisterHistory.of(history), Budget.DEFAULT, Budget.DEFAULT);

        assertEquals(WglSearch.Verdict.NOT_LINEARIZABLE, result.verdict());
        assertEquals(stale, result.unexplained());
        List<String> shown = result.counterExample().stream().map(op -> op.type() + " " + op.value()).toList();
        assertTrue(result.counterExample().size() <= 3, "small: " + shown);
        assertTrue(result.counterExample().stream().anyMatch(op -> "v7".equals(op.value())),
                "the write the read saw: " + shown);
        assertTrue(result.counterExample().stream().anyMatch(op -> op.type().mutates() && !"v7".equals(op.value())),
                "a later write it missed: " + shown);
    }

    @Test
    void whatIsLeftStillFailsOnItsOwn() {
        List<Op> history = List.of(
                ops.write("c1", "k", "a", 0, 100).build(),
                ops.write("c2", "k", "b", 10, 20).build(),
                ops.read("c3", "k", "b", 12, 18).build(),
                ops.read("c4", "k", "a", 30, 40).build(),
                ops.read("c3", "k", "b", 110, 120).build());
        RegisterCheck result = RegisterCheck.of(RegisterHistory.of(history), Budget.DEFAULT, Budget.DEFAULT);
        assertEquals(WglSearch.Verdict.NOT_LINEARIZABLE, WglSearch.run(RegisterHistory.of(result.counterExample()),
                Budget.DEFAULT.start()));
        assertTrue(result.counterExample().size() < history.size());
    }

    @Test
    void aLinearizableHistoryHasNone() {
        RegisterCheck result = RegisterCheck.of(RegisterHistory.of(List.of(
                ops.write("c1", "k", "a", 0, 1).build(), ops.read("c2", "k", "a", 2, 3).build())),
                Budget.DEFAULT, Budget.DEFAULT);
        assertEquals(WglSearch.Verdict.LINEARIZABLE, result.verdict());
        assertTrue(result.counterExample().isEmpty());
    }
}
