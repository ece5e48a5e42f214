package io.captier.drill.check;

import io.captier.drill.history.Op;

import java.util.List;

/**
 * What a checker found wrong with a history: which checker, on which key (null when the
 * finding is not about one key), what, and the fewest operations that show it.
 *
 * <p>{@link Kind#INCONCLUSIVE} is a finding too: the checker could not decide (a search
 * over its budget, a key without a final state). It is reported, never taken as a pass.
 */
public record Violation(String checker, String key, Kind kind, String message, List<Op> ops) {

    public enum Kind {
        VIOLATION,
        INCONCLUSIVE
    }

    public Violation {
        ops = List.copyOf(ops);
    }

    public static Violation of(String checker, String key, String message, List<Op> ops) {
        return new Violation(checker, key, Kind.VIOLATION, message, ops);
    }

    public static Violation inconclusive(String checker, String key, String message) {
        return new Violation(checker, key, Kind.INCONCLUSIVE, message, List.of());
    }

    public boolean conclusive() {
        return kind == Kind.VIOLATION;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(checker).append(kind == Kind.INCONCLUSIVE ? " (inconclusive)" : "")
                .append(key == null ? "" : " key " + key).append(": ").append(message);
        ops.forEach(op -> s.append("\n    ").append(op));
        return s.toString();
    }
}
