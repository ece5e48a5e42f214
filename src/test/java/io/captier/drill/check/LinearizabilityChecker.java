package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;
import io.captier.drill.check.linear.RegisterCheck;
import io.captier.drill.check.linear.RegisterHistory;
import io.captier.drill.check.linear.RegisterOp;
import io.captier.drill.check.linear.WglSearch;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;

import java.util.ArrayList;
import java.util.List;

/**
 * DESIGN C1: every key read through the consistent profile behaves as one linearizable
 * register (initial state absent, a delete writes absent). Keys are independent, so each
 * is searched on its own (as Porcupine partitions a history), with its own budget; a key
 * whose search runs out of budget is reported INCONCLUSIVE, not passed. Which operations
 * count, and how, is {@link RegisterHistory}'s rule.
 */
public final class LinearizabilityChecker implements Checker {

    public static final String NAME = "linearizability";

    private final Budget search;
    private final Budget shrink;

    public LinearizabilityChecker(Budget search, Budget shrink) {
        this.search = search;
        this.shrink = shrink;
    }

    public LinearizabilityChecker() {
        this(Budget.DEFAULT, Budget.DEFAULT);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> found = new ArrayList<>();
        for (String key : history.keys()) {
            List<Op> ops = history.opsOf(key);
            List<RegisterOp> register = RegisterHistory.of(ops);
            if (register.stream().noneMatch(RegisterOp::read)) {
                continue; // writes alone are always linearizable
            }
            RegisterCheck result = RegisterCheck.of(register, search, shrink);
            if (result.verdict() == WglSearch.Verdict.BUDGET_EXCEEDED) {
                found.add(Violation.inconclusive(NAME, key, "unknown (budget exceeded) after " + result.steps()
                        + " steps over " + register.size() + " operations"));
            } else if (result.verdict() == WglSearch.Verdict.NOT_LINEARIZABLE) {
                Op read = result.unexplainedRead();
                found.add(Violation.of(NAME, key, "not linearizable: no order of these "
                        + result.counterExample().size() + " operations explains read #" + read.id() + " returning "
                        + (read.valueRead() == null ? "absent" : "'" + read.valueRead() + "'"),
                        result.counterExample()));
            }
        }
        return found;
    }
}
