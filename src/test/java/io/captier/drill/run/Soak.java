package io.captier.drill.run;

import io.captier.drill.check.CheckResult;
import io.captier.drill.history.History;
import io.captier.it.Stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
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
            History history;
            try {
                history = new Drill(stack, Map.of(), Soak::say).run("soak", plan, Drill.cycles(plan, Soak::say));
            } catch (Drill.Unreconciled stuck) {
                // Still judged and reported: a soak's hour is not thrown away for its last step.
                say(stuck.getMessage());
                keepLogs(stuck.logs, reportDir.resolve("logs"));
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

    /** The instances' logs, copied before their temp dir goes with the topology. */
    private static void keepLogs(List<Path> logs, Path into) {
        try {
            Files.createDirectories(into);
            for (Path log : logs) {
                if (Files.exists(log)) {
                    Files.copy(log, into.resolve(log.getFileName()),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            say("could not keep the instances' logs: " + e.getMessage());
        }
    }

    private static void say(String line) {
        System.out.println("[soak] " + line);
    }
}
