package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;
import io.captier.drill.check.linear.RegisterHistory;
import io.captier.drill.check.linear.RegisterOp;
import io.captier.drill.check.linear.WglSearch;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.mode.Mode;

import java.util.List;
import java.util.Optional;

/**
 * No acknowledged write lost, consistent profile (docs/architecture.md C2): the state PostgreSQL holds
 * after heal must be one that some linearization of the key's history leaves behind. The
 * history is the one {@link LinearizabilityChecker} searches (same {@link RegisterHistory}
 * rule: UNKNOWN writes may or may not have happened, FAILED ones did not; a compare-and-set
 * only where its condition held, a 412 never), plus a read of the final state invoked after
 * every operation answered. An acknowledged write that vanished, or was overwritten by an
 * older one, or a compare-and-set that applied where its condition could not have held
 * (docs/architecture.md C5), leaves a final state no order explains.
 *
 * <p>Keys with any consistent operation are checked. The comparison is on values (the
 * drill writes each value once); versions of the final row are not compared here, the
 * available rule does that.
 */
public final class LinearizableFinalStateChecker extends FinalStateChecker {

    public static final String NAME = "lost-write-consistent";

    private final RegisterSearch search;

    public LinearizableFinalStateChecker(Budget search, Budget shrink) {
        super(NAME, Mode.CONSISTENT);
        this.search = new RegisterSearch(search, shrink);
    }

    @Override
    Optional<Violation> judge(History history, String key, FinalState state) {
        List<RegisterOp> ops = RegisterHistory.of(history.opsOf(key));
        List<RegisterOp> withFinalRead = RegisterHistory.withFinalRead(ops, asRead(state, history.endMs()));
        return search.judge(NAME, key, withFinalRead, result -> "final state " + state
                + " is not what any order of the acknowledged writes leaves" + alsoUnexplained(ops));
    }

    /** Says so when the key's history fails even without its final state: then the read is the suspect. */
    private String alsoUnexplained(List<RegisterOp> ops) {
        WglSearch.Verdict alone = WglSearch.run(ops, search.search().start());
        return alone == WglSearch.Verdict.NOT_LINEARIZABLE
                ? " (the key's history is not linearizable even without it: see " + LinearizabilityChecker.NAME + ")"
                : "";
    }
}
