package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Mode;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Always answers (docs/architecture.md A1): every available-profile request to an instance that was up
 * for the whole request (no {@code Downtime} of it overlaps [invoke, complete]) got an
 * answer, and not a 5xx: 2xx, or 404 for a read. A request that touched a downtime is not
 * judged: the instance was killed or paused on purpose.
 *
 * <p>The drill sends no {@code X-Max-Staleness-Ms}. One 503 is excused: a session read
 * answered {@code urn:captier:problem:session-behind}, where every reachable source is
 * older than what the session already saw or wrote (a write buffered on another
 * instance's disk): session guarantees cannot be totally available (docs/decisions.md),
 * and the profile keeps the guarantee. Those are counted apart ({@link #sessionRefusals}),
 * not hidden. "No source at all can answer" is not excused.
 *
 * <p>Nor is a write refused for its disk a violation: 503 {@code unavailable} or
 * {@code outcome-unknown} from an instance while its hint log's disk was full or read-only
 * (a nemesis event {@link #DISK_FAULTS} of that instance overlapping the request). With
 * PostgreSQL and the Redis replicas cut off, the hint log is the only place such a write can
 * be kept, and a 202 it cannot keep would be a lie (docs/decisions.md, Buffers). They stay
 * refusals in the {@link #tally} and are counted apart ({@link #diskRefusals}).
 */
public final class AvailabilityChecker extends Checker {

    public static final String NAME = "availability";
    static final String SESSION_BEHIND = "urn:captier:problem:session-behind";
    /** The nemesis events that take an available instance's hint log away (see {@code DrillDisks}). */
    public static final String DISK_FULL = "disk full";
    public static final String DISK_READ_ONLY = "disk read-only";
    static final Set<String> DISK_FAULTS = Set.of(DISK_FULL, DISK_READ_ONLY);
    private static final Set<String> DISK_REFUSALS = Set.of("urn:captier:problem:unavailable",
            "urn:captier:problem:outcome-unknown");

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
        List<Op> refused = judged(history).stream().filter(op -> !answered(op) && !refusedForItsDisk(op, history))
                .toList();
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
        return op.status() != 0 && op.status() < 500 || excused(op);
    }

    /** A session read the service refused rather than serve something older than the session saw. */
    static boolean excused(Op op) {
        return op.isRead() && op.session() != null && op.status() == 503 && SESSION_BEHIND.equals(op.problem());
    }

    /** A write refused while the instance's hint log could not take it (see the class comment). */
    static boolean refusedForItsDisk(Op op, History history) {
        return !op.isRead() && op.status() == 503 && op.problem() != null && DISK_REFUSALS.contains(op.problem())
                && history.nemesis().stream().anyMatch(e -> DISK_FAULTS.contains(e.kind())
                        && e.target().equals(op.instance()) && e.startMs() <= op.completeMs() && op.invokeMs() <= e.endMs());
    }

    /** How many writes were refused for their instance's disk (they count as refused, not as violations). */
    public static long diskRefusals(History history) {
        return judged(history).stream().filter(op -> refusedForItsDisk(op, history)).count();
    }

    /** How many session reads were refused that way (they count as answered). */
    public static long sessionRefusals(History history) {
        return judged(history).stream().filter(AvailabilityChecker::excused).count();
    }
}
