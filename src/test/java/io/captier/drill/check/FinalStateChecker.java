package io.captier.drill.check;

import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.Outcome;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The frame of the two lost-write checkers: every key a profile touched is judged against
 * its final state. A key the drill wrote but recorded no final state for is INCONCLUSIVE;
 * a key no write could have touched counts as absent without one.
 */
abstract class FinalStateChecker extends Checker {

    private final Mode mode;

    FinalStateChecker(String name, Mode mode) {
        super(name);
        this.mode = mode;
    }

    /** A finding about one key, or none. */
    abstract Optional<Violation> judge(History history, String key, FinalState state);

    @Override
    public final List<Violation> check(History history) {
        List<Violation> found = new ArrayList<>();
        for (String key : history.keys()) {
            List<Op> ops = history.opsOf(key);
            if (ops.stream().noneMatch(op -> op.mode() == mode)) {
                continue;
            }
            Optional<FinalState> state = history.finalState(key);
            if (state.isEmpty() && ops.stream().noneMatch(op -> op.type().mutates() && op.outcome() != Outcome.FAILED)) {
                state = Optional.of(FinalState.absent(key));
            }
            if (state.isEmpty()) {
                found.add(Violation.inconclusive(name(), key, "no final state recorded for a key that was written"));
            } else {
                judge(history, key, state.get()).ifPresent(found::add);
            }
        }
        return found;
    }

    /** The final state as an observation, so that it can be compared with writes like any read. */
    static Op asRead(FinalState state, long atMs) {
        return Op.read(-1, "final-state", Mode.CONSISTENT, state.key()).instance("postgres-primary").at(atMs, atMs)
                .ok(state.visibleValue() == null ? 404 : 200)
                .returned(state.visibleValue(), state.version(), "postgres-primary", 0).origin(state.origin())
                .build();
    }
}
