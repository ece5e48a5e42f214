package io.captier.drill.check;

import io.captier.drill.check.linear.Budget;

/**
 * The knobs of a check run.
 *
 * @param search              per key, for the linearizability searches
 * @param shrink              per key, for shrinking a failure to a counter-example
 * @param stalenessToleranceMs how much under-statement of staleness is put down to
 *                            measurement (see {@link StalenessChecker})
 * @param networkTimeoutMs    the deployment's NETWORK_TIMEOUT_SEC, in ms
 * @param failFastMarginMs    on top of it, before a consistent failure counts as slow
 */
public record CheckSettings(Budget search, Budget shrink, long stalenessToleranceMs, long networkTimeoutMs,
                            long failFastMarginMs) {

    /** NETWORK_TIMEOUT_SEC's default of 2 s, 50 ms of staleness tolerance, 500 ms margin. */
    public static final CheckSettings DEFAULT = new CheckSettings(Budget.DEFAULT, new Budget(2_000_000, 5_000), 50,
            2_000, 500);

    public CheckSettings withNetworkTimeoutMs(long ms) {
        return new CheckSettings(search, shrink, stalenessToleranceMs, ms, failFastMarginMs);
    }

    public CheckSettings withStalenessToleranceMs(long ms) {
        return new CheckSettings(search, shrink, ms, networkTimeoutMs, failFastMarginMs);
    }

    public CheckSettings withSearch(Budget budget) {
        return new CheckSettings(budget, shrink, stalenessToleranceMs, networkTimeoutMs, failFastMarginMs);
    }
}
