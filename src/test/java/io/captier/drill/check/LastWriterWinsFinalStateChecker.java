package io.captier.drill.check;

import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.OpType;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Version;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * No acknowledged write lost, available profile (docs/architecture.md A5, A6). Every acknowledged
 * write or delete of a key (through either profile: both write the same rows) is applied
 * to PostgreSQL sooner or later, and PostgreSQL keeps the (version, origin) maximum of what
 * was applied. So after heal and reconciliation, with M the maximum acknowledged write and
 * F the final row:
 *
 * <ul>
 *   <li>F older than M (M supersedes F, or no row while M exists): M was lost. Violation.</li>
 *   <li>F is M (same version and origin): F must hold M's content (value, or tombstone for a
 *       delete). Otherwise violation.</li>
 *   <li>F newer than M: some write the client was not told about must explain it. Only an
 *       UNKNOWN write or delete can (a FAILED one definitely did not apply): same content,
 *       sent to the instance named as F's origin, and the same version if it reported one.
 *       Otherwise violation: the row holds a write nobody made.</li>
 * </ul>
 *
 * <p>One exception, the contract's own: a write acknowledged with durability {@code local}
 * lives only on its instance's disk until that instance drains it. If the instance was
 * still down when the final state was read (a {@code Downtime} until the end), such writes
 * are not counted as acknowledged but as "may have applied", like UNKNOWN ones; "its
 * instance" is the write's origin, also for a replay another instance answered. Keys with
 * any available-profile operation are checked.
 *
 * <p>Retries with an {@code Idempotency-Key} need nothing more here: a correct replay has
 * the first attempt's version, origin and content, so it changes neither the maximum nor
 * the content it must have. A retry applied a second time may look like an UNKNOWN write
 * explaining a newer row; {@link IdempotencyChecker} judges that. Attempts of one key
 * acknowledged at different versions (a retry taken blind, docs/decisions.md, Buffers) are
 * one write applied at most once. It counts as acknowledged at the version committed on
 * the primary if one was (that commit claimed the key in its own transaction: it is in
 * PostgreSQL), else at the lowest of its versions, which any of them applied covers; its
 * other versions as "may have applied". Which one it had to be is the
 * {@link IdempotencyChecker}'s to judge.
 */
public final class LastWriterWinsFinalStateChecker extends FinalStateChecker {

    public static final String NAME = "lost-write-available";

    public LastWriterWinsFinalStateChecker() {
        super(NAME, Mode.AVAILABLE);
    }

    @Override
    Optional<Violation> judge(History history, String key, FinalState state) {
        List<Op> mutations = history.opsOf(key).stream().filter(op -> op.type().mutates()).toList();
        List<Op> acknowledgedAttempts = mutations.stream().filter(op -> op.acknowledged() && !stranded(history, op))
                .toList();
        List<Op> acknowledged = oneAttemptPerIdempotencyKey(acknowledgedAttempts);
        List<Op> mayHaveApplied = mutations.stream()
                .filter(op -> op.outcome() == Outcome.UNKNOWN || op.acknowledged() && stranded(history, op)
                        || acknowledgedAttempts.contains(op) && !acknowledged.contains(op)).toList();
        Version finalVersion = state.versionStamp();
        Optional<Op> newest = acknowledged.stream().max(Comparator.comparing(Op::versionStamp, Version.SUPERSEDES_ORDER));
        Version newestVersion = newest.map(Op::versionStamp).orElse(Version.NONE);

        if (newestVersion.supersedes(finalVersion)) {
            return Optional.of(Violation.of(NAME, key, "acknowledged " + describe(newest.get()) + " lost: final state is "
                    + state, List.of(newest.get())));
        }
        if (!finalVersion.supersedes(newestVersion)) {
            // Same version and origin: the row must be that write.
            if (newest.isPresent() && !sameContent(newest.get(), state)) {
                return Optional.of(Violation.of(NAME, key, "final state " + state + " carries the version of "
                        + describe(newest.get()) + " but not its content", List.of(newest.get())));
            }
            return Optional.empty();
        }
        if (mayHaveApplied.stream().anyMatch(op -> explains(op, state))) {
            return Optional.empty();
        }
        return Optional.of(Violation.of(NAME, key, "final state " + state + " is newer than every acknowledged write ("
                + newestVersion + ") and no write of unknown outcome explains it", newest.map(List::of).orElse(List.of())));
    }

    /**
     * Of the attempts sharing an Idempotency-Key, the one committed on the primary (not a
     * replay), else the one at the lowest version; other writes all.
     */
    private static List<Op> oneAttemptPerIdempotencyKey(List<Op> acknowledged) {
        Map<String, Op> chosen = new HashMap<>();
        acknowledged.stream().filter(op -> op.idempotencyKey() != null)
                .forEach(op -> chosen.merge(op.idempotencyKey(), op, LastWriterWinsFinalStateChecker::counted));
        return acknowledged.stream().filter(op -> op.idempotencyKey() == null || chosen.get(op.idempotencyKey()) == op)
                .toList();
    }

    private static Op counted(Op a, Op b) {
        boolean aCommitted = committedHere(a);
        if (aCommitted != committedHere(b)) {
            return aCommitted ? a : b;
        }
        return Version.SUPERSEDES_ORDER.compare(a.versionStamp(), b.versionStamp()) <= 0 ? a : b;
    }

    private static boolean committedHere(Op op) {
        return op.durability() == Durability.PRIMARY && !op.replayed();
    }

    /**
     * An acknowledged write still on the disk of an instance that never came back. That disk
     * is its origin's, the instance that took it and issued its version: a replay answered
     * by another instance repeats that answer ("local") but holds nothing itself.
     */
    private static boolean stranded(History history, Op write) {
        return write.durability() == Durability.LOCAL && history.downAtEnd(write.origin());
    }

    private static boolean explains(Op write, FinalState state) {
        return sameContent(write, state) && Objects.equals(write.origin(), state.origin())
                && (write.version() == 0 || write.version() == state.version());
    }

    private static boolean sameContent(Op write, FinalState state) {
        return state.hasRow() && (write.type() == OpType.DELETE ? state.deleted()
                : !state.deleted() && Objects.equals(write.value(), state.value()));
    }

    private static String describe(Op write) {
        return (write.type() == OpType.DELETE ? "delete" : "write '" + write.value() + "'") + " #" + write.id() + " v"
                + write.versionStamp();
    }
}
