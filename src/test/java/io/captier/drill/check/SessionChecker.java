package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Version;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Session guarantees (docs/architecture.md A7, Terry et al. 1994), per session token, across instances.
 * A session's operations are sequential (its client waits for each answer), so they are
 * taken in the order they were sent. Per key, a session has seen:
 *
 * <ul>
 *   <li>the version of each write or delete it got a 2xx for (UNKNOWN and FAILED ones gave
 *       it no token, so they bind nothing);</li>
 *   <li>the version each of its OK reads returned.</li>
 * </ul>
 *
 * <p>Read-your-writes: an OK read returns a version at least that of the session's own
 * acknowledged writes of the key, by (version, origin). Monotonic reads: at least that of
 * the session's earlier reads of the key. A 404 counts as the version of the tombstone it
 * carries, or, without one, as the newest delete that could explain it
 * ({@link Observations}); so a not-found after the session's own write is a violation
 * unless a delete superseding that write exists. As the earlier read that later ones must
 * not go below, a 404 without a version counts as no version at all: the source had no
 * row, not even a tombstone (tombstones are never purged), so it may show the key before
 * its first write; each check takes the reading that is kindest to the service. Operations of both profiles count:
 * the consistent profile returns and honours the same token. Operations with no session
 * are not checked.
 */
public final class SessionChecker extends Checker {

    public static final String NAME = "sessions";

    public SessionChecker() {
        super(NAME);
    }

    @Override
    public List<Violation> check(History history) {
        Observations observations = new Observations(history);
        Map<String, List<Op>> bySession = history.ops().stream().filter(op -> op.session() != null)
                .collect(Collectors.groupingBy(Op::session));
        List<Violation> found = new ArrayList<>();
        bySession.keySet().stream().sorted().forEach(session -> found.addAll(checkSession(
                bySession.get(session).stream().sorted(Op.SENT_ORDER).toList(),
                observations)));
        return found;
    }

    private List<Violation> checkSession(List<Op> ops, Observations observations) {
        Map<String, Seen> written = new HashMap<>();
        Map<String, Seen> read = new HashMap<>();
        List<Violation> found = new ArrayList<>();
        for (Op op : ops) {
            if (op.acknowledged()) {
                written.merge(op.key(), new Seen(op.versionStamp(), op), Seen::newer);
            } else if (op.isRead() && op.outcome() == Outcome.OK) {
                Version observed = observations.observed(op);
                if (observed == null) {
                    continue;
                }
                Seen ownWrite = written.get(op.key());
                if (ownWrite != null && !observed.atLeast(ownWrite.version)) {
                    found.add(Violation.of(NAME, op.key(), "read-your-writes: session " + op.session() + " read v"
                            + observed + " after its own write v" + ownWrite.version, List.of(ownWrite.op, op)));
                }
                Seen earlier = read.get(op.key());
                if (earlier != null && !observed.atLeast(earlier.version)) {
                    found.add(Violation.of(NAME, op.key(), "monotonic reads: session " + op.session() + " read v"
                            + observed + " after reading v" + earlier.version, List.of(earlier.op, op)));
                }
                // What later reads must not go below: the least this read may have seen. A 404
                // without a version is a source without a row, tombstone included: the key as it
                // was before its first write, whatever delete ran meanwhile. Counted as that
                // newest delete here, it convicted a session that read "absent" from a standby
                // 2.6 s behind and then the older of two versions (the 60-minute soak of 2237dba).
                Version least = op.version() == 0 ? Version.NONE : observed;
                read.merge(op.key(), new Seen(least, op), Seen::newer);
            }
        }
        return found;
    }

    /** The newest version a session has seen of a key, and the operation that showed it. */
    private record Seen(Version version, Op op) {
        static Seen newer(Seen a, Seen b) {
            return Version.SUPERSEDES_ORDER.compare(b.version, a.version) > 0 ? b : a;
        }
    }
}
