package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;
import io.captier.drill.check.linear.RegisterCheck;
import io.captier.drill.check.linear.RegisterHistory;
import io.captier.drill.check.linear.RegisterOp;
import io.captier.drill.check.linear.WglSearch;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * No acknowledged write lost, consistent profile (DESIGN C2): the state PostgreSQL holds
 * after heal must be one that some linearization of the key's history leaves behind. The
 * history is the one {@link LinearizabilityChecker} searches (same {@link RegisterHistory}
 * rule: UNKNOWN writes may or may not have happened, FAILED ones did not), plus a read of
 * the final state invoked after every operation answered. An acknowledged write that
 * vanished, or was overwritten by an older one, leaves a final state no order explains.
 *
 * <p>Keys with any consistent operation are checked. The comparison is on values (the
 * drill writes each value once); versions of the final row are not compared here, the
 * available rule does that.
 */
public final class LinearizableFinalStateChecker implements Checker {

    public static final String NAME = "lost-write-consistent";

    private final Budget search;
    private final Budget shrink;

    public LinearizableFinalStateChecker(Budget search, Budget shrink) {
        this.search = search;
        this.shrink = shrink;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> found = new ArrayList<>();
        for (String key : FinalStates.keysTouchedBy(history, Mode.CONSISTENT)) {
            Optional<FinalState> state = FinalStates.of(history, key, NAME, found);
            if (state.isEmpty()) {
                continue;
            }
            List<RegisterOp> ops = RegisterHistory.of(history.opsOf(key));
            Op finalRead = FinalStates.asRead(state.get(), history.endMs());
            RegisterCheck result = RegisterCheck.of(RegisterHistory.withFinalRead(ops, finalRead), search, shrink);
            if (result.verdict() == WglSearch.Verdict.BUDGET_EXCEEDED) {
                found.add(Violation.inconclusive(NAME, key, "unknown (budget exceeded) after " + result.steps()
                        + " steps"));
            } else if (result.verdict() == WglSearch.Verdict.NOT_LINEARIZABLE) {
                found.add(Violation.of(NAME, key, "final state " + state.get()
                        + " is not what any order of the acknowledged writes leaves" + alsoUnexplained(ops),
                        result.counterExample()));
            }
        }
        return found;
    }

    /** Says so when the key's history fails even without its final state: then the read is the suspect. */
    private String alsoUnexplained(List<RegisterOp> ops) {
        WglSearch.Verdict alone = WglSearch.run(ops, search.start());
        return alone == WglSearch.Verdict.NOT_LINEARIZABLE
                ? " (the key's history is not linearizable even without it: see " + LinearizabilityChecker.NAME + ")"
                : "";
    }
}
