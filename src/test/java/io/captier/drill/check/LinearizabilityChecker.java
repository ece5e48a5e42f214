package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;
import io.captier.drill.check.linear.RegisterHistory;
import io.captier.drill.check.linear.RegisterOp;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;

import java.util.ArrayList;
import java.util.List;

/**
 * docs/architecture.md C1 and C5: every key of the consistent profile behaves as one linearizable
 * compare-and-set register (initial state absent, a delete writes a tombstone; a
 * conditional write applies only where its condition holds, a 412 sees it false; see
 * {@link io.captier.drill.check.linear.CasRegister}). Keys are independent, so each is
 * searched on its own (as Porcupine partitions a history), with its own budget; a key
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
            // Plain writes alone are always linearizable; reads and conditions are what can fail.
            if (register.stream().anyMatch(RegisterOp::constrained)) {
                search.judge(NAME, key, register, result -> "not linearizable: no order of these "
                        + result.counterExample().size() + " operations explains " + describe(result.unexplained()))
                        .ifPresent(found::add);
            }
        }
        return found;
    }

    /** The operation a counter-example convicts, in words: what it saw or did that nothing explains. */
    static String describe(Op op) {
        if (op.isRead()) {
            return "read #" + op.id() + " returning " + (op.valueRead() == null ? "absent" : "'" + op.valueRead() + "'");
        }
        String what = "compare-and-set #" + op.id() + " (" + op.precondition() + ")";
        if (op.preconditionFailed()) {
            return what + " refused 412" + (op.mismatch() == null ? "" : " with " + op.mismatch());
        }
        return what + " applied with " + op.status() + (op.version() == 0 ? "" : " as v" + op.version());
    }
}
