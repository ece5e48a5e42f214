package io.captier.drill.check;

import java.util.List;

/**
 * What {@link Checkers} found: every finding, the figures, and the overall verdict.
 *
 * @param checkers the names of the checkers that ran
 */
public record CheckResult(Verdict verdict, List<String> checkers, List<Violation> violations, Figures figures,
                          CheckSettings settings) {

    public enum Verdict {
        /** Every checker ran and found nothing. */
        PASS,
        /** At least one conclusive violation. */
        FAIL,
        /** No violation, but some check could not decide: not a pass. */
        INCONCLUSIVE
    }

    static Verdict verdictOf(List<Violation> violations) {
        if (violations.stream().anyMatch(Violation::conclusive)) {
            return Verdict.FAIL;
        }
        return violations.isEmpty() ? Verdict.PASS : Verdict.INCONCLUSIVE;
    }

    public List<Violation> violationsOf(String checker) {
        return violations.stream().filter(v -> v.checker().equals(checker)).toList();
    }
}
