package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Version;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Honest staleness (docs/architecture.md A3): an available read's {@code staleness_ms} may over-state
 * how far the returned value lags the latest acknowledged write, never under-state it.
 *
 * <p>For an OK available read that observed version v ({@link Observations}): among the
 * writes and deletes of the key, through either profile, acknowledged (answered) before
 * the read was sent and superseding v, take the one acknowledged first. The value returned
 * has been stale at least since then: actual = max(0, read.invokeMs - that completeMs).
 * None: actual = 0. Violation when reported &lt; actual - tolerance.
 *
 * <p>The estimate is on the lenient side: the server acknowledged the write before the
 * client saw the answer, and measured the read after it was sent. {@code toleranceMs}
 * absorbs what is left: clock differences between the drill and the service (one host
 * here) and scheduling noise. Note docs/decisions.md allows one HEARTBEAT_MS of blindness
 * after a failed write-through on another instance; a drill that provokes that should
 * set the tolerance to at least HEARTBEAT_MS.
 *
 * <p>Writes acknowledged with durability {@code local} are on one instance's disk only, and
 * the contract says other instances cannot know them (docs/decisions.md, "Durability says
 * where the write is"). They count against reads served by that same instance only: their
 * origin, which took the write. A replay (docs/architecture.md A8) answered by another instance repeats
 * the first answer, "local" included, but the write is still on the origin's disk only.
 */
public final class StalenessChecker extends Checker {

    public static final String NAME = "staleness";

    private final long toleranceMs;

    public StalenessChecker(long toleranceMs) {
        super(NAME);
        this.toleranceMs = toleranceMs;
    }

    @Override
    public List<Violation> check(History history) {
        Observations observations = new Observations(history);
        List<Violation> found = new ArrayList<>();
        for (Op read : history.ops()) {
            if (!read.isRead() || read.mode() != Mode.AVAILABLE || read.outcome() != Outcome.OK) {
                continue;
            }
            Version observed = observations.observed(read);
            if (observed == null) {
                continue;
            }
            firstSuperseding(observations.acknowledged(read.key()), read, observed).ifPresent(write -> {
                long actual = Math.max(0, read.invokeMs() - write.completeMs());
                if (read.stalenessMs() < actual - toleranceMs) {
                    found.add(Violation.of(NAME, read.key(), "reported staleness " + read.stalenessMs()
                            + " ms, but the value returned (v" + observed + ") was superseded by write #" + write.id()
                            + " acknowledged " + actual + " ms before the read (tolerance " + toleranceMs + " ms)",
                            List.of(write, read)));
                }
            });
        }
        return found;
    }

    private static Optional<Op> firstSuperseding(List<Op> acknowledged, Op read, Version observed) {
        return acknowledged.stream()
                .filter(w -> w.completeMs() < read.invokeMs() && w.versionStamp().supersedes(observed))
                .filter(w -> w.durability() != Durability.LOCAL || Objects.equals(w.origin(), read.instance()))
                .min(Comparator.comparingLong(Op::completeMs));
    }
}
