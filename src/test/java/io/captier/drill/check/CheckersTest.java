package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.check.linear.Budget;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.mode.Durability;
import io.captier.mode.Mode;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckersTest {

    private final Ops consistent = Ops.consistent();
    private final Ops available = Ops.available();

    private History cleanHistory() {
        return History.of(List.of(
                consistent.write("c1", "x", "a", 0, 10).assigned(100, Durability.PRIMARY).build(),
                consistent.read("c2", "x", "a", 20, 30).returned("a", 100, "postgres-primary", 0).build(),
                consistent.read("c2", "x", null, 40, 2040).failed(503).build(),
                available.write("a1", "y", "b", 0, 40).session("s1").assigned(200, Durability.REPLICATED_BUFFER)
                        .ok(202).build(),
                available.read("a1", "y", "b", 50, 60).session("s1").returned("b", 200, "redis-master", 120).build(),
                available.read("a2", "y", null, 70, 72).returned(null, 0, "redis-replica", 300).build()))
                .withFinalStates(List.of(FinalState.of("x", "a", 100, "consistent-1"),
                        FinalState.of("y", "b", 200, "available-1")));
    }

    @Test
    void aCleanHistoryPassesEveryCheckerOfBothProfiles() {
        CheckResult result = Checkers.run(cleanHistory());
        assertEquals(List.of(), result.violations());
        assertEquals(CheckResult.Verdict.PASS, result.verdict());
        assertEquals(List.of(LinearizabilityChecker.NAME, LinearizableFinalStateChecker.NAME, FastFailureChecker.NAME,
                LastWriterWinsFinalStateChecker.NAME, SessionChecker.NAME, StalenessChecker.NAME,
                AvailabilityChecker.NAME, IdempotencyChecker.NAME), result.checkers());
    }

    @Test
    void eachProfileGetsItsOwnCheckers() {
        CheckResult result = Checkers.run(cleanHistory(), CheckSettings.DEFAULT, Set.of(Mode.AVAILABLE));
        assertEquals(List.of(LastWriterWinsFinalStateChecker.NAME, SessionChecker.NAME, StalenessChecker.NAME,
                AvailabilityChecker.NAME, IdempotencyChecker.NAME), result.checkers());
    }

    @Test
    void oneViolationFailsTheRunAndIsCountedUnderItsChecker() {
        History history = cleanHistory().withFinalStates(List.of(FinalState.of("x", "a", 100, "consistent-1"),
                FinalState.absent("y")));
        CheckResult result = Checkers.run(history);
        assertEquals(CheckResult.Verdict.FAIL, result.verdict());
        assertEquals(1, result.violationsOf(LastWriterWinsFinalStateChecker.NAME).size());
        assertEquals(1L, result.figures().violationsByChecker().get(LastWriterWinsFinalStateChecker.NAME));
        assertEquals(0L, result.figures().violationsByChecker().get(SessionChecker.NAME));
    }

    @Test
    void anUndecidedCheckMakesTheRunInconclusiveNotAPass() {
        CheckResult result = Checkers.run(cleanHistory(), CheckSettings.DEFAULT.withSearch(new Budget(1, 1000)),
                EnumSet.of(Mode.CONSISTENT));
        assertEquals(CheckResult.Verdict.INCONCLUSIVE, result.verdict());
        assertTrue(result.figures().inconclusive() > 0);
    }

    @Test
    void figuresSummariseOutcomesStatusesLatencyAndStaleness() {
        Figures figures = Checkers.run(cleanHistory()).figures();
        assertEquals(6, figures.ops());
        Figures.ModeFigures c = figures.byMode().get("consistent");
        assertEquals(3, c.ops());
        assertEquals(2L, c.byOutcome().get("OK"));
        assertEquals(1L, c.byOutcome().get("FAILED"));
        assertEquals(1L, c.byStatus().get("503"));
        assertEquals(2000, c.latency().max());
        assertEquals(10, c.latency().p50());
        Figures.ModeFigures a = figures.byMode().get("available");
        assertEquals(300, a.maxReportedStalenessMs());
        assertEquals(1L, a.readsBySource().get("redis-master"));
        assertEquals(1L, a.writesByDurability().get("replicated-buffer"));
        assertEquals(new AvailabilityChecker.Tally(3, 0, 3, 0), figures.availabilityByInstance().get("available-1"));
    }

    @Test
    void figuresCountRetriesAndReplays() {
        History history = History.of(List.of(
                available.write("a1", "y", "b", 0, 1).idempotencyKey("a1-w1").unknown(0).build(),
                available.write("a1", "y", "b", 2, 3).idempotencyKey("a1-w1").assigned(200, Durability.PRIMARY).build(),
                available.write("a1", "y", "b", 4, 5).idempotencyKey("a1-w1").assigned(200, Durability.PRIMARY)
                        .replayed(true).build(),
                available.write("a1", "y", "c", 6, 7).idempotencyKey("a1-w2").assigned(300, Durability.PRIMARY).build()));
        Figures.ModeFigures a = Checkers.run(history).figures().byMode().get("available");
        assertEquals(2, a.retries(), "two attempts after a first one");
        assertEquals(1, a.replayed());
    }

    @Test
    void percentilesAreNearestRank() {
        Latency latency = Latency.of(List.of(5L, 1L, 4L, 2L, 3L, 6L, 7L, 8L, 9L, 10L));
        assertEquals(5, latency.p50());
        assertEquals(10, latency.p95());
        assertEquals(10, latency.max());
        assertEquals(new Latency(0, 0, 0, 0, 0), Latency.of(List.<Long>of()));
    }
}
