package io.captier.drill.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.captier.drill.Ops;
import io.captier.drill.check.CheckResult;
import io.captier.drill.check.Checkers;
import io.captier.drill.check.LastWriterWinsFinalStateChecker;
import io.captier.drill.check.Violation;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.HistoryJson;
import io.captier.drill.history.Mismatch;
import io.captier.drill.history.NemesisEvent;
import io.captier.drill.history.Op;
import io.captier.drill.history.Precondition;
import io.captier.mode.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillReportTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final String ODD_KEY = "<k&>";

    /**
     * Four seconds of traffic on both profiles; the PostgreSQL primary is killed in the
     * third second, where consistent reads get 503 and available writes are buffered.
     * The buffered write to ODD_KEY is then lost: one violation.
     */
    private static History drill() {
        Ops consistent = Ops.consistent();
        Ops available = Ops.available();
        List<Op> ops = new ArrayList<>();
        for (int second = 0; second < 4; second++) {
            long t = T0 + second * 1000L;
            boolean primaryDown = second == 2;
            ops.add(consistent.write("c1", "x", "v" + second, t, t + 5).assigned(t, Durability.PRIMARY).build());
            Op.Builder read = consistent.read("c2", "x", "v" + second, t + 10, t + 12 + second * 10);
            ops.add(primaryDown ? read.failed(503).build() : read.build());
            ops.add(available.write("a1", ODD_KEY, "w" + second, t + 100, t + 104)
                    .assigned(t << 16, primaryDown ? Durability.REPLICATED_BUFFER : Durability.PRIMARY).build());
            ops.add(available.read("a2", ODD_KEY, "w" + second, t + 200, t + 203)
                    .returned("w" + second, t << 16, "redis-replica", primaryDown ? 700 : 90).build());
        }
        return History.of(ops)
                .withNemesis(List.of(new NemesisEvent(T0 + 2000, T0 + 3000, "kill pg-primary", "pg-a")))
                .withFinalStates(List.of(FinalState.of("x", "v3", T0 + 3000, "consistent-1"),
                        FinalState.of(ODD_KEY, "w1", (T0 + 1000) << 16, "available-1")));
    }

    @Test
    void theThreeFilesCarryTheFiguresViolationsAndSchedule(@TempDir Path dir) throws IOException {
        History history = drill();
        CheckResult result = Checkers.run(history);
        DrillReport.write(dir, history, result);

        DrillReport.Contents json = DrillReport.read(dir);
        assertEquals(CheckResult.Verdict.FAIL, json.verdict());
        assertEquals(16, json.figures().ops());
        assertEquals(1L, json.figures().byMode().get("consistent").byStatus().get("503"));
        assertEquals(700, json.figures().byMode().get("available").maxReportedStalenessMs());
        assertEquals(result.violations(), json.violations());
        assertEquals(1L, json.figures().violationsByChecker().get(LastWriterWinsFinalStateChecker.NAME));
        assertEquals(history.nemesis(), json.nemesis());
        List<Timeline.Point> consistentPoints = json.timeline().byMode().get("consistent");
        assertEquals(4, consistentPoints.size());
        assertEquals(0.5, consistentPoints.get(2).okShare(), "the read in the third second was refused");
        assertEquals(1.0, consistentPoints.get(1).okShare());
        assertEquals(700, json.timeline().byMode().get("available").get(2).maxStalenessMs());
        JsonNode raw = HistoryJson.mapper().readTree(dir.resolve(DrillReport.JSON).toFile());
        assertEquals("available", raw.at("/violations/0/ops/0/mode").asText(), "wire names in the report too");
    }

    @Test
    void theSummarySaysTheVerdictFirstAndCountsPerChecker(@TempDir Path dir) throws IOException {
        History history = drill();
        DrillReport.write(dir, history, Checkers.run(history));

        List<String> summary = Files.readAllLines(dir.resolve(DrillReport.SUMMARY));
        assertEquals("captier drill: FAIL", summary.get(0));
        String text = String.join("\n", summary);
        assertTrue(text.contains("ops: 16, nemesis events: 1"), text);
        assertTrue(text.contains("consistent: 8 ops, ok 7, failed 1, unknown 0"), text);
        assertTrue(text.contains("  " + LastWriterWinsFinalStateChecker.NAME + ": 1"), text);
        assertTrue(text.contains("  linearizability: 0"), text);
        assertTrue(text.contains("lost"), text);
        // The consistent read refused while the primary was down, 22 ms after it was sent.
        assertTrue(text.contains("  kill pg-primary: 1; refusals 1, p50 22 ms, max 22 ms"), text);
        assertTrue(text.contains("available profile answered 100.000% of its requests"), text);
    }

    @Test
    void compareAndSetsAreCountedByResultWhereThereAreAny(@TempDir Path dir) throws IOException {
        Ops consistent = Ops.consistent();
        List<Op> ops = new ArrayList<>(drill().ops());
        ops.add(consistent.cas("c1", "y", Precondition.ifNoneMatch(), "made", 70, T0 + 3500, T0 + 3501).build());
        ops.add(consistent.refused("c2", "y", Precondition.ifNoneMatch(), "late", new Mismatch(true, 70),
                T0 + 3502, T0 + 3503).build());
        ops.add(consistent.cas("c1", "y", Precondition.ifMatch(70), "next", 0, T0 + 3504, T0 + 3505).unknown(0)
                .build());
        History history = History.of(ops).withFinalStates(List.copyOf(drill().finalStates().values()));
        DrillReport.write(dir, history, Checkers.run(history));
        String summary = Files.readString(dir.resolve(DrillReport.SUMMARY));
        assertTrue(summary.lines().anyMatch(l -> l.startsWith("consistent:")
                && l.endsWith("; compare-and-sets ok 1, 412 1, unknown 1, failed 0")), summary);
        assertTrue(summary.lines().anyMatch(l -> l.startsWith("available:") && !l.contains("compare-and-sets")),
                "nothing said where none were sent: " + summary);
        assertEquals(Map.of("ok", 1L, "412", 1L, "unknown", 1L),
                DrillReport.read(dir).figures().byMode().get("consistent").compareAndSets());
    }

    @Test
    void retriesAndReplaysAreCountedWhereThereAreAny(@TempDir Path dir) throws IOException {
        Ops available = Ops.available();
        List<Op> ops = new ArrayList<>(drill().ops());
        ops.add(available.write("a1", "z", "once", T0 + 3500, T0 + 3501).idempotencyKey("a1-w9").unknown(0).build());
        ops.add(available.write("a1", "z", "once", T0 + 3502, T0 + 3503).instance("available-2")
                .idempotencyKey("a1-w9").assigned(T0 << 16, Durability.PRIMARY).origin("available-1").replayed(true)
                .build());
        History history = History.of(ops).withFinalStates(List.copyOf(drill().finalStates().values()));
        DrillReport.write(dir, history, Checkers.run(history));
        String summary = Files.readString(dir.resolve(DrillReport.SUMMARY));
        assertTrue(summary.contains("max staleness reported 700 ms; retries 1, replayed 1"), summary);
        assertTrue(summary.lines().anyMatch(l -> l.startsWith("consistent:") && !l.contains("retries")),
                "nothing said where nothing was retried: " + summary);
        assertTrue(Files.readString(dir.resolve(DrillReport.HTML)).contains("<th>retries</th><th>replayed</th>"));
        assertEquals(1, DrillReport.read(dir).figures().byMode().get("available").replayed());
    }

    @Test
    void aCleanDrillSaysPass(@TempDir Path dir) throws IOException {
        History clean = History.of(drill().ops().stream().filter(op -> op.key().equals("x")).toList())
                .withFinalStates(List.of(FinalState.of("x", "v3", T0 + 3000, "consistent-1")));
        DrillReport.write(dir, clean, Checkers.run(clean));
        assertEquals("captier drill: PASS", Files.readAllLines(dir.resolve(DrillReport.SUMMARY)).get(0));
    }

    @Test
    void thePageIsSelfContainedWithChartsAndLabelledFaults(@TempDir Path dir) throws IOException {
        History history = drill();
        DrillReport.write(dir, history, Checkers.run(history));

        String html = Files.readString(dir.resolve(DrillReport.HTML));
        assertEquals(3, Pattern.compile("<svg ").matcher(html).results().count(), "availability, latency, staleness");
        assertTrue(html.contains(">kill pg-primary</text>"), "the fault is labelled on the charts");
        assertTrue(html.contains("<polyline"), "series are drawn");
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(Pattern.compile("(src|href)=").matcher(html).find(), "nothing fetched");
        assertFalse(html.replace("http://www.w3.org/2000/svg", "").contains("http"), "no external address");
        assertTrue(html.contains("&lt;k&amp;&gt;") && !html.contains(ODD_KEY), "keys are escaped");
        assertTrue(html.contains("class=\"FAIL\""));
    }

    @Test
    void thePageShowsTheFirstViolationsAndPointsToTheRest(@TempDir Path dir) throws IOException {
        History history = drill();
        CheckResult checked = Checkers.run(history);
        List<Violation> many = new ArrayList<>();
        for (int i = 0; i < HtmlPage.VIOLATIONS_SHOWN + 50; i++) {
            many.add(Violation.of("staleness", "k" + i, "under-reported", List.of()));
        }
        CheckResult result = new CheckResult(CheckResult.Verdict.FAIL, checked.checkers(), many, checked.figures(),
                checked.settings());
        DrillReport.write(dir, history, result);
        String html = Files.readString(dir.resolve(DrillReport.HTML));
        assertTrue(html.contains("... and 50 more in report.json"));
        assertEquals(HtmlPage.VIOLATIONS_SHOWN + 50, DrillReport.read(dir).violations().size());
    }
}
