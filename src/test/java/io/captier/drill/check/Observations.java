package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.OpType;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Version;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Which version an OK read observed, in last-writer-wins terms, for the session and
 * staleness checkers. A read answer carries the version but no origin; the origin is
 * taken from the writes of that key with that version and the same content, when they
 * name exactly one instance (otherwise it stays unknown, and {@link Version} treats the
 * tie leniently).
 *
 * <p>A 404 without a version (no row, or a source that does not say) is explained by the
 * deletes invoked before the read answered: it observed the newest of them that was
 * acknowledged, or nothing at all ({@link Version#NONE}) when there was none. If one of
 * those deletes has an unknown outcome (so no version), the read cannot be placed and the
 * answer is null: the checkers then leave it alone rather than guess.
 */
final class Observations {

    private final Map<String, List<Op>> mutationsByKey;

    Observations(History history) {
        mutationsByKey = history.ops().stream().filter(op -> op.type().mutates() && op.outcome() != Outcome.FAILED)
                .collect(Collectors.groupingBy(Op::key));
    }

    /** The version {@code read} observed, or null when it cannot be told. */
    Version observed(Op read) {
        List<Op> mutations = mutationsByKey.getOrDefault(read.key(), List.of());
        if (read.version() != 0) {
            return new Version(read.version(), read.origin() != null ? read.origin() : originOf(read, mutations));
        }
        if (read.valueRead() != null) {
            return null; // a value without a version: nothing to compare
        }
        List<Op> deletesBefore = mutations.stream()
                .filter(op -> op.type() == OpType.DELETE && op.invokeNanos() <= read.completeNanos()).toList();
        if (deletesBefore.stream().anyMatch(op -> op.outcome() != Outcome.OK)) {
            return null;
        }
        return deletesBefore.stream().map(Op::versionStamp).reduce(Version.NONE, Version::max);
    }

    /** Acknowledged writes and deletes of a key, any profile. */
    List<Op> acknowledged(String key) {
        return mutationsByKey.getOrDefault(key, List.of()).stream().filter(Op::acknowledged).toList();
    }

    private static String originOf(Op read, List<Op> mutations) {
        List<String> origins = mutations.stream()
                .filter(w -> w.version() == read.version() && Objects.equals(w.writtenValue(), read.valueRead()))
                .map(Op::origin).distinct().toList();
        return origins.size() == 1 ? origins.get(0) : null;
    }
}
