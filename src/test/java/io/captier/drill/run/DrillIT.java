package io.captier.drill.run;

import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology;
import io.captier.drill.check.AvailabilityChecker;
import io.captier.drill.check.CheckResult;
import io.captier.drill.check.Figures;
import io.captier.drill.check.IdempotencyChecker;
import io.captier.drill.check.LastWriterWinsFinalStateChecker;
import io.captier.drill.check.LinearizabilityChecker;
import io.captier.drill.history.History;
import io.captier.drill.history.Outcome;
import io.captier.mode.Mode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short chaos drill of the default test run, on a topology whose every node and instance
 * runs in a network namespace of its own, on a clock of its own: both profiles under 22 node
 * kills, 8 partitions (two per cycle, see {@link Nemesis} and {@link PartitionNemesis}), 4
 * clock steps ({@link DrillClocks}) and 4 hint log disks taken away ({@link DrillDisks}) must
 * show no violation at all; and the same checkers must catch a build that is broken on purpose. Reports land in
 * target/drill-reports/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillIT {

    static final Path REPORTS = Path.of("target", "drill-reports");

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    private Stack stack;
    private Topology.Node killedPrimary;

    @BeforeAll
    void start() {
        stack = Stack.startOnNetwork();
        logs.add("topology", stack.topology::describe);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /**
     * {@code -Ddrill.counterexample=SWITCH,...} runs the first drill with CAPTIER_BREAK_CONTRACT set to
     * that, and it must then fail: also {@code trust-unconfirmed-buffers}, which is wrong only under a
     * partition (the drill on the loopback topology, crashes only, passed it).
     */
    @Test
    @Order(1)
    void bothContractsHoldThroughTwentyNodeKillsAndEightPartitions() {
        DrillPlan plan = DrillPlan.ci();
        String counterexample = System.getProperty("drill.counterexample", "");
        Map<String, String> settings = counterexample.isEmpty() ? Map.of() : Map.of("CAPTIER_BREAK_CONTRACT", counterexample);
        History history = new Drill(stack, settings, DrillIT::say).keepingLogsIn(REPORTS.resolve("drill").resolve("logs"))
                .run("drill", plan, Drill.cycles(plan, DrillIT::say));
        CheckResult result = check(history, "drill");

        long kills = history.nemesis().stream().filter(e -> e.kind().startsWith("kill")).count();
        assertTrue(kills >= 20, "at least 20 node kills: " + kills);
        long partitions = history.nemesis().stream().filter(e -> e.kind().startsWith("partition")).count();
        assertTrue(partitions >= 2L * plan.cycles(), "two partitions per cycle: " + partitions);
        long clockSteps = history.nemesis().stream().filter(e -> e.kind().equals(Nemesis.CLOCK_STEP)).count();
        assertEquals(plan.cycles(), clockSteps, "a clock step per cycle");
        long diskFaults = history.nemesis().stream().filter(e -> e.kind().startsWith("disk ")).count();
        assertEquals(plan.cycles(), diskFaults, "a disk taken away per cycle");
        // The disk faults had something to refuse: writes the hint log could not take.
        assertTrue(AvailabilityChecker.diskRefusals(history) > 0, "writes refused for a disk taken away");
        for (Mode mode : Mode.values()) {
            assertTrue(history.ops().stream().filter(o -> o.mode() == mode && o.acknowledged()).count() > 100,
                    mode + " acknowledged writes to check");
        }
        // The idempotency checker had something to judge: retried writes, and replays among their answers.
        Figures.ModeFigures available = result.figures().byMode().get(Mode.AVAILABLE.wireName());
        assertTrue(available.retries() > 0, "available writes were retried");
        assertTrue(available.replayed() > 0, "some retries were answered as replays");
        assertTrue(history.ops().stream().anyMatch(o -> o.replayed() && !o.origin().equals(o.instance())),
                "a replay answered by another instance names the first attempt's instance as origin");
        // The linearizability checker had compare-and-sets to judge: some applied, some refused 412.
        Map<String, Long> cas = result.figures().byMode().get(Mode.CONSISTENT.wireName()).compareAndSets();
        say("consistent compare-and-sets: " + cas);
        assertTrue(cas.getOrDefault("ok", 0L) > 50 && cas.getOrDefault("412", 0L) > 50, "compare-and-sets: " + cas);
        assertEquals(CheckResult.Verdict.PASS, result.verdict(), () -> "violations:\n" + result.violations());
    }

    /**
     * Test-only switches break each contract on purpose (CAPTIER_BREAK_CONTRACT, see
     * docs/decisions.md): consistent reads from the standby while its replay is paused,
     * buffered writes acknowledged and then dropped, buffered writes that ignore their
     * Idempotency-Key (a retry while PostgreSQL is down is buffered again, with a new
     * version). The checkers must say so.
     */
    @Test
    @Order(2)
    void aBrokenBuildIsCaught() {
        Map<String, String> broken = Map.of("CAPTIER_BREAK_CONTRACT",
                "consistent-reads-from-standby,drop-buffered-writes,ignore-idempotency-in-buffers");
        DrillPlan plan = DrillPlan.ci();
        History history = new Drill(stack, broken, DrillIT::say)
                .keepingLogsIn(REPORTS.resolve("broken-build").resolve("logs")).run("broken", plan, new Drill.Scenario() {
            @Override
            public void underTraffic(Nemesis nemesis) {
                nemesis.pauseStandbyReplay(Duration.ofSeconds(5));
                Nemesis.sleep(Duration.ofSeconds(1));
                killedPrimary = nemesis.killThePostgresPrimaryFor(Duration.ofSeconds(5));
            }

            // Clients stop while the primary is down, so no later write hides a dropped one.
            @Override
            public void afterTraffic(Nemesis nemesis) {
                nemesis.failOverTo(stack.topology.pgStandby(), killedPrimary);
            }
        });
        CheckResult result = check(history, "broken-build");
        assertEquals(CheckResult.Verdict.FAIL, result.verdict());
        assertTrue(!result.violationsOf(LinearizabilityChecker.NAME).isEmpty(),
                "stale consistent reads are caught: " + result.violations());
        assertTrue(!result.violationsOf(LastWriterWinsFinalStateChecker.NAME).isEmpty(),
                "dropped buffered writes are caught: " + result.violations());
        // Retries of writes buffered while the primary was down: about 10% of them are sent again anyway.
        assertTrue(!result.violationsOf(IdempotencyChecker.NAME).isEmpty(),
                "buffered retries applied twice are caught: " + result.violations());
        assertTrue(history.ops().stream().anyMatch(o -> o.acknowledged() && o.outcome() == Outcome.OK
                && o.mode() == Mode.AVAILABLE && o.status() == 202), "writes were buffered (and dropped)");
    }

    private static CheckResult check(History history, String name) {
        return DrillChecks.checkAndReport(history, REPORTS.resolve(name), DrillIT::say);
    }

    private static void say(String line) {
        System.out.println("[drill] " + line);
    }
}
