package io.captier.drill.report;

import io.captier.drill.check.CheckResult;
import io.captier.drill.check.CheckSettings;
import io.captier.drill.check.Figures;
import io.captier.drill.check.Violation;
import io.captier.drill.history.Downtime;
import io.captier.drill.history.History;
import io.captier.drill.history.HistoryJson;
import io.captier.drill.history.NemesisEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a checked drill into a directory: {@value #JSON} (everything, for machines and
 * for comparing runs), {@value #SUMMARY} (a few lines, verdict first) and {@value #HTML}
 * (the same over time, for people).
 */
public final class DrillReport {

    public static final String JSON = "report.json";
    public static final String SUMMARY = "summary.txt";
    public static final String HTML = "report.html";

    /** Availability, latency and staleness are drawn per bucket of this many ms. */
    public static final long BUCKET_MS = 1000;

    /** The content of report.json. */
    public record Contents(CheckResult.Verdict verdict, List<String> checkers, CheckSettings settings, Figures figures,
                           List<Violation> violations, List<NemesisEvent> nemesis, List<Downtime> downtimes,
                           Timeline timeline) {
    }

    private DrillReport() {
    }

    public static void write(Path dir, History history, CheckResult result) {
        Timeline timeline = Timeline.of(history, BUCKET_MS);
        Contents contents = new Contents(result.verdict(), result.checkers(), result.settings(), result.figures(),
                result.violations(), history.nemesis(), history.downtimes(), timeline);
        try {
            Files.createDirectories(dir);
            HistoryJson.mapper().writeValue(dir.resolve(JSON).toFile(), contents);
            Files.writeString(dir.resolve(SUMMARY), SummaryText.render(result, history),
                    StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(HTML), HtmlPage.render(history, result, timeline), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads report.json back, e.g. to compare two drills. */
    public static Contents read(Path dir) {
        try {
            return HistoryJson.mapper().readValue(dir.resolve(JSON).toFile(), Contents.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
