package io.captier.drill.report;

import io.captier.drill.check.CheckResult;
import io.captier.drill.check.Figures;
import io.captier.drill.check.IdempotencyChecker;
import io.captier.drill.history.History;
import io.captier.mode.Mode;

import java.util.Locale;
import java.util.Map;

/** summary.txt: what a person reads first in a CI log. The verdict is on the first line. */
final class SummaryText {

    /** Violations quoted in full; the rest are in report.json and report.html. */
    private static final int QUOTED = 5;

    private SummaryText() {
    }

    private static String compareAndSets(Figures.ModeFigures f) {
        Map<String, Long> cas = f.compareAndSets() == null ? Map.of() : f.compareAndSets();
        if (cas.isEmpty()) {
            return "";
        }
        return "; compare-and-sets ok " + cas.getOrDefault("ok", 0L) + ", 412 " + cas.getOrDefault("412", 0L)
                + ", unknown " + cas.getOrDefault("unknown", 0L) + ", failed " + cas.getOrDefault("failed", 0L);
    }

    static String render(CheckResult result, History history) {
        Figures figures = result.figures();
        StringBuilder s = new StringBuilder("captier drill: ").append(result.verdict()).append('\n');
        s.append("ops: ").append(figures.ops()).append(", nemesis events: ").append(history.nemesis().size()).append('\n');
        figures.byMode().forEach((mode, f) -> s.append(String.format(Locale.ROOT,
                "%s: %d ops, ok %d, failed %d, unknown %d; latency p50 %d ms, p99 %d ms, max %d ms%s%s%s%n", mode, f.ops(),
                f.byOutcome().getOrDefault("OK", 0L), f.byOutcome().getOrDefault("FAILED", 0L),
                f.byOutcome().getOrDefault("UNKNOWN", 0L), f.latency().p50(), f.latency().p99(), f.latency().max(),
                mode.equals("available") ? "; max staleness reported " + f.maxReportedStalenessMs() + " ms" : "",
                // Says whether the idempotency checker had anything to judge.
                f.retries() + f.replayed() > 0 ? "; retries " + f.retries() + ", replayed " + f.replayed() : "",
                // Says whether the linearizability checker had conditions and 412s to judge.
                compareAndSets(f))));
        Figures.ModeFigures available = figures.byMode().get(Mode.AVAILABLE.wireName());
        if (available != null && available.ops() > 0) {
            s.append(String.format(Locale.ROOT, "available profile answered %.3f%% of its requests without a failure%n",
                    100.0 * available.byOutcome().getOrDefault("OK", 0L) / available.ops()));
        }
        s.append(FaultFigures.render(history));
        s.append("idempotency groups taken blind (decisions: Buffers): ").append(IdempotencyChecker.takenBlind(history))
                .append('\n');
        s.append("violations per checker:\n");
        figures.violationsByChecker().forEach((checker, n) -> s.append("  ").append(checker).append(": ").append(n)
                .append('\n'));
        s.append("inconclusive: ").append(figures.inconclusive()).append('\n');
        result.violations().stream().limit(QUOTED).forEach(v -> s.append('\n').append(v).append('\n'));
        if (result.violations().size() > QUOTED) {
            s.append("\n... and ").append(result.violations().size() - QUOTED)
                    .append(" more in report.json / report.html\n");
        }
        return s.toString();
    }
}
