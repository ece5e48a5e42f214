package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Mode;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Always answers (DESIGN A1): every available-profile request to an instance that was up
 * for the whole request (no {@code Downtime} of it overlaps [invoke, complete]) got an
 * answer, and not a 5xx: 2xx, or 404 for a read. A request that touched a downtime is not
 * judged: the instance was killed or paused on purpose.
 *
 * <p>The drill sends no {@code X-Max-Staleness-Ms}, so no 503 is excused. Note that
 * docs/decisions.md has the available profile answer 503 in two corners: no source at
 * all reachable, and a session whose guarantees no reachable source can keep (which
 * available-with-sessions cannot avoid under partition). Those are reported here like any
 * other refusal; a drill that provokes them should expect them in this report.
 */
public final class AvailabilityChecker extends Checker {

    public static final String NAME = "availability";

    public AvailabilityChecker() {
        super(NAME);
    }

    /** Per instance: how its available-profile requests fared. */
    public record Tally(int requests, int whileDown, int answered, int refused) {
        Tally plus(Tally o) {
            return new Tally(requests + o.requests, whileDown + o.whileDown, answered + o.answered, refused + o.refused);
        }

        /** Share of the requests sent while it was up that got an answer. */
        public double availability() {
            int judged = answered + refused;
            return judged == 0 ? 1.0 : (double) answered / judged;
        }
    }

    @Override
    public List<Violation> check(History history) {
        List<Op> refused = judged(history).stream().filter(op -> !answered(op)).toList();
        return PerInstance.violations(NAME, refused, "available-profile requests not answered while the instance was up",
                Comparator.comparingLong(Op::invokeMs));
    }

    public static Map<String, Tally> tally(History history) {
        Map<String, Tally> tally = new TreeMap<>();
        for (Op op : history.ops()) {
            if (op.mode() != Mode.AVAILABLE) {
                continue;
            }
            boolean down = history.downDuring(op.instance(), op.invokeMs(), op.completeMs());
            Tally one = down ? new Tally(1, 1, 0, 0) : answered(op) ? new Tally(1, 0, 1, 0) : new Tally(1, 0, 0, 1);
            tally.merge(String.valueOf(op.instance()), one, Tally::plus);
        }
        return tally;
    }

    private static List<Op> judged(History history) {
        return history.ops().stream().filter(op -> op.mode() == Mode.AVAILABLE)
                .filter(op -> !history.downDuring(op.instance(), op.invokeMs(), op.completeMs())).toList();
    }

    static boolean answered(Op op) {
        return op.status() != 0 && op.status() < 500;
    }
}
