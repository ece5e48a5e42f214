package io.captier.drill.report;

import io.captier.drill.check.AvailabilityChecker;
import io.captier.drill.check.CheckResult;
import io.captier.drill.check.Figures;
import io.captier.drill.check.Violation;
import io.captier.drill.history.History;
import io.captier.drill.history.NemesisEvent;
import io.captier.drill.history.Op;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched)
 * with the verdict, the figures, three charts over time with the faults shaded, every
 * violation with its operations, and the nemesis schedule.
 */
final class HtmlPage {

    private static final Map<String, String[]> COLOURS = Map.of(
            "consistent", new String[]{"#1f77b4", "#9ecae1"},
            "available", new String[]{"#d62728", "#fc9272"});

    /** A systematic bug can produce thousands of findings; the page shows this many, report.json has all. */
    static final int VIOLATIONS_SHOWN = 200;

    private HtmlPage() {
    }

    static String render(History history, CheckResult result, Timeline timeline) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>captier drill report</title>
                <style>
                body{font:14px sans-serif;margin:2em;color:#222}
                table{border-collapse:collapse;margin:0.5em 0 1.5em}
                td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
                .PASS{color:#2a7d2a}.FAIL{color:#c0392b}.INCONCLUSIVE{color:#b9770e}
                pre{background:#f6f6f6;padding:6px;overflow-x:auto}
                </style></head><body>
                """);
        html.append("<h1>captier drill: <span class=\"").append(result.verdict()).append("\">")
                .append(result.verdict()).append("</span></h1>\n");
        figures(html, result.figures());
        charts(html, history, timeline);
        violations(html, result.violations());
        nemesis(html, history);
        return html.append("</body></html>\n").toString();
    }

    private static void figures(StringBuilder html, Figures figures) {
        html.append("<h2>Figures</h2>\n<table><tr><th>profile</th><th>ops</th><th>outcomes</th><th>statuses</th>"
                + "<th>latency p50 / p95 / p99 / max (ms)</th><th>max staleness reported (ms)</th>"
                + "<th>retries</th><th>replayed</th><th>compare-and-sets</th></tr>\n");
        figures.byMode().forEach((mode, f) -> html.append(row(mode, f.ops(), f.byOutcome(), f.byStatus(),
                f.latency().p50() + " / " + f.latency().p95() + " / " + f.latency().p99() + " / " + f.latency().max(),
                f.maxReportedStalenessMs(), f.retries(), f.replayed(),
                f.compareAndSets() == null ? Map.of() : f.compareAndSets())));
        html.append("</table>\n<table><tr><th>instance (available)</th><th>requests</th><th>while down</th>"
                + "<th>answered</th><th>refused</th><th>availability</th></tr>\n");
        figures.availabilityByInstance().forEach((instance, t) -> html.append(row(instance, t.requests(),
                t.whileDown(), t.answered(), t.refused(), percent(t))));
        html.append("</table>\n<table><tr><th>checker</th><th>violations</th></tr>\n");
        figures.violationsByChecker().forEach((checker, n) -> html.append(row(checker, n)));
        html.append(row("inconclusive", figures.inconclusive())).append("</table>\n");
    }

    private static void charts(StringBuilder html, History history, Timeline timeline) {
        long span = Timeline.spanMs(history);
        List<SvgChart.Band> bands = history.nemesis().stream().map(e -> new SvgChart.Band(
                e.startMs() - timeline.originMs(), e.endMs() - timeline.originMs(), e.kind())).toList();
        SvgChart availability = new SvgChart("Requests answered OK per " + timeline.bucketMs() + " ms", "%", span, 100)
                .bands(bands);
        double maxLatency = 1;
        double maxStaleness = 1;
        for (List<Timeline.Point> points : timeline.byMode().values()) {
            for (Timeline.Point p : points) {
                maxLatency = Math.max(maxLatency, p.p99Ms());
                maxStaleness = Math.max(maxStaleness, p.maxStalenessMs());
            }
        }
        SvgChart latency = new SvgChart("Latency p50 and p99", "ms", span, maxLatency).bands(bands);
        SvgChart staleness = new SvgChart("Largest staleness_ms reported (available)", "ms", span, maxStaleness)
                .bands(bands);
        timeline.byMode().forEach((mode, points) -> {
            String[] colour = COLOURS.getOrDefault(mode, new String[]{"#555", "#aaa"});
            availability.series(series(mode, colour[0], points, timeline, p -> 100 * p.okShare()));
            latency.series(series(mode + " p50", colour[0], points, timeline, Timeline.Point::p50Ms));
            latency.series(series(mode + " p99", colour[1], points, timeline, Timeline.Point::p99Ms));
            if (mode.equals("available")) {
                staleness.series(series(mode, colour[0], points, timeline, Timeline.Point::maxStalenessMs));
            }
        });
        html.append("<h2>Over time</h2>\n").append(availability.render()).append(latency.render())
                .append(staleness.render());
    }

    private static SvgChart.Series series(String name, String colour, List<Timeline.Point> points, Timeline timeline,
                                          ToDoubleFunction<Timeline.Point> value) {
        List<double[]> xy = new ArrayList<>();
        // Each bucket is drawn at its middle.
        points.forEach(p -> xy.add(new double[]{p.startMs() + timeline.bucketMs() / 2.0, value.applyAsDouble(p)}));
        return new SvgChart.Series(name, colour, xy);
    }

    private static void violations(StringBuilder html, List<Violation> violations) {
        html.append("<h2>Violations (").append(violations.size()).append(")</h2>\n");
        for (Violation v : violations.subList(0, Math.min(violations.size(), VIOLATIONS_SHOWN))) {
            html.append("<h3>").append(Html.escape(v.checker())).append(v.conclusive() ? "" : " (inconclusive)")
                    .append(v.key() == null ? "" : " &mdash; key " + Html.escape(v.key())).append("</h3>\n<p>")
                    .append(Html.escape(v.message())).append("</p>\n");
            if (!v.ops().isEmpty()) {
                html.append("<pre>");
                v.ops().stream().map(Op::toString).forEach(op -> html.append(Html.escape(op)).append('\n'));
                html.append("</pre>\n");
            }
        }
        if (violations.size() > VIOLATIONS_SHOWN) {
            html.append("<p>... and ").append(violations.size() - VIOLATIONS_SHOWN).append(" more in ")
                    .append(DrillReport.JSON).append("</p>\n");
        }
    }

    private static void nemesis(StringBuilder html, History history) {
        long origin = history.startMs();
        html.append("<h2>Nemesis schedule</h2>\n<table><tr><th>kind</th><th>target</th><th>from (s)</th>"
                + "<th>to (s)</th></tr>\n");
        for (NemesisEvent e : history.nemesis()) {
            html.append(row(e.kind(), e.target(), seconds(e.startMs() - origin), seconds(e.endMs() - origin)));
        }
        html.append("</table>\n");
    }

    private static String row(Object... cells) {
        StringBuilder row = new StringBuilder("<tr>");
        for (Object cell : cells) {
            row.append("<td>").append(Html.escape(String.valueOf(cell))).append("</td>");
        }
        return row.append("</tr>\n").toString();
    }

    private static String percent(AvailabilityChecker.Tally tally) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * tally.availability());
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }
}
