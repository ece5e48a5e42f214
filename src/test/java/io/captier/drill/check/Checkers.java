package io.captier.drill.check;

import io.captier.drill.history.History;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The entry point: runs the checkers that belong to each profile a drill exercised and
 * gathers their findings and the figures.
 *
 * <ul>
 *   <li>consistent: {@link LinearizabilityChecker}, {@link LinearizableFinalStateChecker},
 *       {@link FastFailureChecker};</li>
 *   <li>available: {@link LastWriterWinsFinalStateChecker}, {@link SessionChecker},
 *       {@link StalenessChecker}, {@link AvailabilityChecker}, {@link IdempotencyChecker}.</li>
 * </ul>
 */
public final class Checkers {

    private Checkers() {
    }

    public static List<Checker> forMode(Mode mode, CheckSettings settings) {
        return switch (mode) {
            case CONSISTENT -> List.of(new LinearizabilityChecker(settings.search(), settings.shrink()),
                    new LinearizableFinalStateChecker(settings.search(), settings.shrink()),
                    new FastFailureChecker(settings.networkTimeoutMs(), settings.failFastMarginMs()));
            case AVAILABLE -> List.of(new LastWriterWinsFinalStateChecker(), new SessionChecker(),
                    new StalenessChecker(settings.stalenessToleranceMs()), new AvailabilityChecker(),
                    new IdempotencyChecker());
        };
    }

    /** Both profiles' checkers with the default settings. */
    public static CheckResult run(History history) {
        return run(history, CheckSettings.DEFAULT, EnumSet.allOf(Mode.class));
    }

    public static CheckResult run(History history, CheckSettings settings, Set<Mode> modes) {
        Map<String, Checker> checkers = new LinkedHashMap<>();
        for (Mode mode : Mode.values()) {
            if (modes.contains(mode)) {
                forMode(mode, settings).forEach(c -> checkers.put(c.name(), c));
            }
        }
        List<Violation> violations = new ArrayList<>();
        checkers.values().forEach(c -> violations.addAll(c.check(history)));
        List<String> names = List.copyOf(checkers.keySet());
        return new CheckResult(CheckResult.verdictOf(violations), names, violations,
                Figures.of(history, names, violations), settings);
    }
}
