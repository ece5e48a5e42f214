package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;
import io.captier.drill.check.linear.RegisterHistory;
import io.captier.drill.check.linear.RegisterOp;
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
public final class LinearizabilityChecker extends Checker {

    public static final String NAME = "linearizability";

    private final RegisterSearch search;

    public LinearizabilityChecker(Budget search, Budget shrink) {
        super(NAME);
        this.search = new RegisterSearch(search, shrink);
    }

    public LinearizabilityChecker() {
        this(Budget.DEFAULT, Budget.DEFAULT);
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> found = new ArrayList<>();
        for (String key : history.keys()) {
            List<RegisterOp> register = RegisterHistory.of(history.opsOf(key));
            if (register.stream().anyMatch(RegisterOp::read)) { // writes alone are always linearizable
                search.judge(NAME, key, register, result -> {
                    Op read = result.unexplainedRead();
                    return "not linearizable: no order of these " + result.counterExample().size()
                            + " operations explains read #" + read.id() + " returning "
                            + (read.valueRead() == null ? "absent" : "'" + read.valueRead() + "'");
                }).ifPresent(found::add);
            }
        }
        return found;
    }
}
