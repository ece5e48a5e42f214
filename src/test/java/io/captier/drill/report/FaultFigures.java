package io.captier.drill.report;

import io.captier.drill.check.Latency;
import io.captier.drill.history.History;
import io.captier.drill.history.NemesisEvent;
import io.captier.drill.history.Op;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Per fault kind, for summary.txt: how many the nemesis injected, and how long the consistent
 * profile took to refuse a request sent while one of that kind held (a 5xx answer invoked
 * inside the fault's window; the latest fault started before it decides the kind when windows
 * overlap). A 412 or another 4xx is no refusal for a fault, and requests with no answer at all
 * are left out: they measure the client's timeout, not the service.
 */
final class FaultFigures {

    /** One kind: events injected and the refusal latencies (ms) seen during them. */
    record Kind(long events, Latency refusals) {
    }

    private FaultFigures() {
    }

    static Map<String, Kind> of(History history) {
        Map<String, Long> events = history.nemesis().stream()
                .collect(Collectors.groupingBy(NemesisEvent::kind, TreeMap::new, Collectors.counting()));
        Map<String, List<Long>> refusals = new TreeMap<>();
        for (Op op : history.ops()) {
            if (op.mode() != Mode.CONSISTENT || op.status() < 500) {
                continue;
            }
            history.nemesis().stream()
                    .filter(e -> e.startMs() <= op.invokeMs() && op.invokeMs() <= e.endMs())
                    .max((a, b) -> Long.compare(a.startMs(), b.startMs()))
                    .ifPresent(e -> refusals.computeIfAbsent(e.kind(), k -> new ArrayList<>()).add(op.latencyMs()));
        }
        Map<String, Kind> kinds = new TreeMap<>();
        events.forEach((kind, n) -> kinds.put(kind, new Kind(n, Latency.of(refusals.getOrDefault(kind, List.of())))));
        return kinds;
    }

    /** One line per kind: "  partition halves: 3; refusals 41, p50 2004 ms, max 2051 ms". */
    static String render(History history) {
        StringBuilder s = new StringBuilder("faults by kind (consistent refusals while one held):\n");
        of(history).forEach((kind, k) -> s.append(String.format(Locale.ROOT, "  %s: %d; refusals %d, p50 %d ms, max %d ms%n",
                kind, k.events(), k.refusals().count(), k.refusals().p50(), k.refusals().max())));
        return s.toString();
    }
}
