package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Mode;

import java.util.Comparator;
import java.util.List;

/**
 * Fail fast (docs/architecture.md C3): when the consistent profile cannot keep its contract it says so
 * within the network timeout. Every consistent request that failed (a 5xx, or no answer
 * at all) must have completed within {@code networkTimeoutMs + marginMs} of being sent.
 * The margin covers the request's own work and the client's scheduling. A request with no
 * answer is timed by the client's own timeout, so the drill's client timeout should be
 * above this bound: then a hung request shows up here instead of hiding as "no answer".
 * A request that touched a downtime of its instance is not judged, as in
 * {@link AvailabilityChecker}: the nemesis killed the instance under it (the 60-minute soak
 * held a write cut short by its instance's kill -9 against this bound).
 */
public final class FastFailureChecker extends Checker {

    public static final String NAME = "fast-failure";

    private final long boundMs;

    public FastFailureChecker(long networkTimeoutMs, long marginMs) {
        super(NAME);
        this.boundMs = networkTimeoutMs + marginMs;
    }

    @Override
    public List<Violation> check(History history) {
        List<Op> slow = history.ops().stream()
                .filter(op -> op.mode() == Mode.CONSISTENT && !AvailabilityChecker.answered(op))
                .filter(op -> !history.downDuring(op.instance(), op.invokeMs(), op.completeMs()))
                .filter(op -> op.latencyMs() > boundMs).toList();
        return PerInstance.violations(NAME, slow, "consistent-profile failures slower than " + boundMs + " ms",
                Comparator.comparingLong(Op::latencyMs).reversed());
    }
}
