package io.captier.stack;

import io.captier.cluster.devstack.StackFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How RunbookIT finds the runbook's blocks and judges them, without a topology. */
class RunbookBlocksTest {

    private static final String DOC = """
            # Runbook
            ## Verify
            ```sh local
            echo one
            ```
            ```sh
            docker compose ps
            ```
            ```sh local-pending
            scripts/backup
            ```
            ````sh local
            echo '```'
            ````
            ## Next
            ```sh local
            echo two
            test 1 = 2
            echo never
            ```
            """;

    @TempDir
    Path tmp;

    @Test
    void findsTheBlocksOfOneMarkerInOrderWithTheirLineAndHeading() {
        List<RunbookBlocks.Block> local = RunbookBlocks.withInfo(DOC, RunbookBlocks.LOCAL);
        assertEquals(List.of(new RunbookBlocks.Block("sh local", 3, "Verify", "echo one\n"),
                new RunbookBlocks.Block("sh local", 12, "Verify", "echo '```'\n"),
                new RunbookBlocks.Block("sh local", 16, "Next", "echo two\ntest 1 = 2\necho never\n")), local);
        assertEquals(List.of(new RunbookBlocks.Block("sh local-pending", 9, "Verify", "scripts/backup\n")),
                RunbookBlocks.withInfo(DOC, RunbookBlocks.PENDING));
        assertThrows(IllegalArgumentException.class, () -> RunbookBlocks.withInfo("```sh local\necho\n", "sh local"));
    }

    /** What RunbookIT does with a wrong command or expectation: it stops there, naming the block,
     *  with the block's output; the commands after the failing one do not run. */
    @Test
    void aBlockWithAWrongExpectationFailsTheRunWithItsOutput() {
        List<RunbookBlocks.Block> local = RunbookBlocks.withInfo(DOC, RunbookBlocks.LOCAL);
        AssertionError e = assertThrows(AssertionError.class,
                () -> RunbookIT.runInOrder("example.md", local, "", Map.of("PATH", System.getenv("PATH")), tmp, Duration.ofSeconds(20)));
        assertTrue(e.getMessage().startsWith("the block at example.md:16 (under \"Next\") exited 1"), e.getMessage());
        assertTrue(e.getMessage().contains("--- output ---\ntwo\n"), e.getMessage());
        assertFalse(e.getMessage().substring(e.getMessage().indexOf("--- output ---")).contains("never"), e.getMessage());
    }

    @Test
    void aFailingPipelineAndAHungBlockFailToo() {
        Map<String, String> env = Map.of("PATH", System.getenv("PATH"));
        assertEquals(1, ShellBlock.run("", "false | cat\necho after", env, tmp, Duration.ofSeconds(20)).exit());
        assertEquals(127, ShellBlock.run("", "scripts/no-such-command", env, tmp, Duration.ofSeconds(20)).exit());
        ShellBlock.Result hung = ShellBlock.run("", "sleep 600 & wait", env, tmp, Duration.ofSeconds(1));
        assertEquals(-1, hung.exit(), hung.output());
    }

    /** The runbook itself: something to run, and nothing left pending. */
    @Test
    void theRunbookHasLocalBlocksAndNonePending() throws IOException {
        String runbook = Files.readString(StackFiles.project().path(RunbookIT.RUNBOOK));
        assertFalse(RunbookBlocks.withInfo(runbook, RunbookBlocks.LOCAL).isEmpty());
        assertTrue(RunbookBlocks.withInfo(runbook, RunbookBlocks.PENDING).isEmpty(),
                "every local command is executed: no " + RunbookBlocks.PENDING + " block");
    }
}
