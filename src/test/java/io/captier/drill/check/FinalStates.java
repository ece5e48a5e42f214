package io.captier.drill.check;

import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.mode.Mode;

import java.util.List;
import java.util.Optional;

/** Shared by the two lost-write checkers: which keys a profile wrote, and their final state. */
final class FinalStates {

    private FinalStates() {
    }

    /** Keys with at least one operation through {@code mode}. */
    static List<String> keysTouchedBy(History history, Mode mode) {
        return history.keys().stream()
                .filter(key -> history.opsOf(key).stream().anyMatch(op -> op.mode() == mode)).toList();
    }

    /**
     * The key's final state; a key no write may have touched counts as absent without one.
     * Empty (and an INCONCLUSIVE finding added) when the drill did not record it.
     */
    static Optional<FinalState> of(History history, String key, String checker, List<Violation> found) {
        Optional<FinalState> state = history.finalState(key);
        if (state.isPresent()) {
            return state;
        }
        if (history.opsOf(key).stream().noneMatch(op -> op.type().mutates() && op.outcome() != Outcome.FAILED)) {
            return Optional.of(FinalState.absent(key));
        }
        found.add(Violation.inconclusive(checker, key, "no final state recorded for a key that was written"));
        return Optional.empty();
    }

    /** The final state as an observation, so that it can be compared with writes like any read. */
    static Op asRead(FinalState state, long atMs) {
        return Op.read(-1, "final-state", Mode.CONSISTENT, state.key()).instance("postgres-primary").at(atMs, atMs)
                .ok(state.visibleValue() == null ? 404 : 200)
                .returned(state.visibleValue(), state.version(), "postgres-primary", 0).origin(state.origin())
                .build();
    }
}
