package io.captier.drill.check;

import io.captier.drill.history.Op;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Request-level findings (a refused request, a slow failure) come in hundreds during one
 * fault; one violation per instance, with a count and the worst few, reads better.
 */
final class PerInstance {

    /** How many offending operations a violation lists as evidence. */
    static final int EXAMPLES = 5;

    private PerInstance() {
    }

    /**
     * One violation per instance that has offending operations; {@code what} describes them
     * (e.g. "requests refused while the instance was up"), {@code worstFirst} picks the examples.
     */
    static List<Violation> violations(String checker, List<Op> offending, String what, Comparator<Op> worstFirst) {
        Map<String, List<Op>> byInstance = offending.stream()
                .collect(Collectors.groupingBy(op -> String.valueOf(op.instance()), TreeMap::new, Collectors.toList()));
        List<Violation> found = new ArrayList<>();
        byInstance.forEach((instance, ops) -> found.add(Violation.of(checker, null,
                instance + ": " + ops.size() + " " + what + statuses(ops),
                ops.stream().sorted(worstFirst).limit(EXAMPLES).toList())));
        return found;
    }

    private static String statuses(List<Op> ops) {
        return " (status " + ops.stream().collect(Collectors.groupingBy(op -> op.status() == 0 ? "no answer"
                : String.valueOf(op.status()), TreeMap::new, Collectors.counting())) + ")";
    }
}
