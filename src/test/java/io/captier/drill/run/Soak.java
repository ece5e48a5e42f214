package io.captier.drill.run;

import io.captier.cluster.app.Stack;
import io.captier.drill.check.CheckResult;
import io.captier.drill.history.History;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The long drill for people (scripts/drill soak MINUTES): a topology of its own with every
 * node and instance in a network namespace (root and nftables needed, as for the default
 * test run), both profiles under fault cycles (kills, pauses and partitions) for about that
 * long, checked, with a report. Exits 0 when no checker found a violation, 1 otherwise.
 */
public final class Soak {

    private Soak() {
    }

    public static void main(String[] args) {
        Duration length = Duration.ofMinutes(args.length > 0 ? Long.parseLong(args[0]) : 30);
        DrillPlan plan = DrillPlan.soak(length);
        String name = "soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path reportDir = Path.of("target", "drill-reports", name);
        CheckResult result;
        boolean reconciled = true;
        try (Stack stack = Stack.startOnNetwork()) {
            Drill drill = new Drill(stack, Map.of(), Soak::say).keepingLogsIn(reportDir.resolve("logs"));
            History history;
            try {
                history = drill.run("soak", plan, Drill.cycles(plan, Soak::say));
            } catch (Drill.Unreconciled stuck) {
                // Still judged and reported: a soak's hour is not thrown away for its last step.
                say(stuck.getMessage());
                history = stuck.history;
                reconciled = false;
            }
            result = DrillChecks.checkAndReport(history, reportDir, Soak::say);
        }
        if (!reconciled) {
            say("FAIL: buffered writes were not reconciled after the heal (above); logs in " + reportDir.resolve("logs"));
        }
        System.exit(reconciled && result.verdict() == CheckResult.Verdict.PASS ? 0 : 1);
    }

    private static void say(String line) {
        System.out.println("[soak] " + line);
    }
}
