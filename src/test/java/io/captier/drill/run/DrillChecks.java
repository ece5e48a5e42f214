package io.captier.drill.run;

import io.captier.cluster.app.AppEnv;
import io.captier.drill.check.AvailabilityChecker;
import io.captier.drill.check.CheckResult;
import io.captier.drill.check.CheckSettings;
import io.captier.drill.check.Checkers;
import io.captier.drill.check.IdempotencyChecker;
import io.captier.drill.history.History;
import io.captier.drill.history.HistoryJson;
import io.captier.drill.report.DrillReport;
import io.captier.mode.Mode;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.function.Consumer;

/** Checks a drill's history with the instances' own network timeout and writes its report and history. */
final class DrillChecks {

    private DrillChecks() {
    }

    static CheckResult checkAndReport(History history, Path dir, Consumer<String> narrator) {
        CheckSettings settings = CheckSettings.DEFAULT.withNetworkTimeoutMs(AppEnv.NETWORK_TIMEOUT_SEC * 1000L);
        long started = System.nanoTime();
        CheckResult result = Checkers.run(history, settings, EnumSet.allOf(Mode.class));
        long checkMs = (System.nanoTime() - started) / 1_000_000;
        DrillReport.write(dir, history, result);
        HistoryJson.write(history, dir.resolve("history.json"));
        narrator.accept(dir.getFileName() + ": " + result.verdict() + ", " + history.ops().size() + " operations, "
                + result.violations().size() + " violations, " + AvailabilityChecker.sessionRefusals(history)
                + " session reads refused as session-behind, " + AvailabilityChecker.diskRefusals(history)
                + " writes refused for a disk taken away, " + IdempotencyChecker.takenBlind(history)
                + " idempotency groups taken blind; checked in " + checkMs + " ms; report in "
                + dir.toAbsolutePath());
        return result;
    }
}
