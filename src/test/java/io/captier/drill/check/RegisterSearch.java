package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;
import io.captier.drill.check.linear.RegisterCheck;
import io.captier.drill.check.linear.RegisterOp;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A linearizability search over one key as a finding: nothing when it linearizes, a
 * violation with the shrunk counter-example when it does not, and INCONCLUSIVE, never a
 * pass, when the budget ran out.
 *
 * @param search per key, for the verdict
 * @param shrink per key, for shrinking a failure to a counter-example
 */
record RegisterSearch(Budget search, Budget shrink) {

    Optional<Violation> judge(String checker, String key, List<RegisterOp> ops, Function<RegisterCheck, String> failure) {
        RegisterCheck result = RegisterCheck.of(ops, search, shrink);
        return switch (result.verdict()) {
            case LINEARIZABLE -> Optional.empty();
            case BUDGET_EXCEEDED -> Optional.of(Violation.inconclusive(checker, key, "unknown (budget exceeded) after "
                    + result.steps() + " steps over " + ops.size() + " operations"));
            case NOT_LINEARIZABLE -> Optional.of(Violation.of(checker, key, failure.apply(result),
                    result.counterExample()));
        };
    }
}
