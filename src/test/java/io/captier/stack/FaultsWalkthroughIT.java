package io.captier.stack;

import io.captier.cluster.devstack.StackFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runbook's "Drill: partitions and clocks" run as written: every {@code sh faults} block of
 * docs/runbook.md in order, the first of them being {@code scripts/up --faults}, each in a new
 * bash with the run's credentials sourced, as {@link RunbookIT} runs the {@code sh local} ones
 * (same isolation: a state directory of its own, free ports, no build). Each block checks what
 * it shows (a consistent write refused while the primary is cut off, an available one buffered,
 * the later consistent write winning over a clock 10 s ahead, a Redis failover behind a cut-off
 * master's back) and exits non-zero otherwise. scripts/down stops it at the end, also on
 * failure: the namespaces, the bridge and the nftables tables go with it.
 */
class FaultsWalkthroughIT {

    @Test
    void theRunbooksPartitionAndClockDrillRunsAgainstScriptsUpWithFaults(@TempDir Path state) throws IOException {
        StackFiles files = StackFiles.project();
        List<RunbookBlocks.Block> blocks = RunbookBlocks.withInfo(Files.readString(files.path(RunbookIT.RUNBOOK)),
                RunbookBlocks.FAULTS);
        assertTrue(blocks.size() > 1 && blocks.get(0).code().startsWith("scripts/up --faults"),
                "the drill starts with scripts/up --faults: " + blocks);
        Map<String, String> env = RunbookIT.environment(state);
        try {
            RunbookIT.runInOrder(RunbookIT.RUNBOOK, blocks.subList(0, 1), "", env, files.root(), RunbookIT.UP_TIMEOUT);
            RunbookIT.runInOrder(RunbookIT.RUNBOOK, blocks.subList(1, blocks.size()), RunbookIT.PRELUDE, env,
                    files.root(), RunbookIT.BLOCK_TIMEOUT);
        } finally {
            ShellBlock.Result down = ShellBlock.run("", "scripts/down", env, files.root(), RunbookIT.DOWN_TIMEOUT);
            System.out.println("scripts/down: " + down.output().strip());
        }
    }
}
