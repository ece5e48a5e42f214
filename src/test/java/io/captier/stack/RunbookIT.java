package io.captier.stack;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.client.cli.CaptierCli;
import io.captier.cluster.devstack.StackFiles;
import io.captier.cluster.os.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/runbook.md, executed: every {@code sh local} block, in document order, against a topology
 * that the first of them (scripts/up, under Deploy) starts for this test, so the runbook cannot drift from the scripts and the
 * service. Each block runs in a new bash at the repository root that sourced the run's
 * credentials.env first (what the runbook asks of a person), with {@code set -eo pipefail}, and
 * must exit 0; the first one that does not fails the test with its output.
 *
 * <p>The run is kept apart from a person's own scripts/up on this checkout: its own state
 * directory ({@code CAPTIER_STATE}, a temp dir), free ports, and no build
 * ({@code CAPTIER_CLASSPATH}: this JVM's classpath, already built by Maven; and
 * {@code CAPTIER_CLI_CLASSPATH}, the client's part of it, from which scripts/captier runs the
 * client: the whole classpath costs a few seconds more per command). scripts/down stops it at the end, also on failure; if this JVM dies first,
 * scripts/up's control process sees it ({@code CAPTIER_UP_PARENT_PID}) and stops everything.
 */
class RunbookIT {

    static final String RUNBOOK = "docs/runbook.md";
    /** What a person's shell holds before a block: the run's keys and addresses. */
    static final String PRELUDE = "source \"$CAPTIER_STATE/credentials.env\"";
    static final Duration UP_TIMEOUT = Duration.ofMinutes(4);
    static final Duration BLOCK_TIMEOUT = Duration.ofMinutes(3);
    static final Duration DOWN_TIMEOUT = Duration.ofMinutes(1);

    @Test
    void everyLocalBlockOfTheRunbookRunsAgainstScriptsUp(@TempDir Path state) throws IOException {
        StackFiles files = StackFiles.project();
        List<RunbookBlocks.Block> blocks = RunbookBlocks.withInfo(Files.readString(files.path(RUNBOOK)), RunbookBlocks.LOCAL);
        assertFalse(blocks.isEmpty(), RUNBOOK + " has no \"" + RunbookBlocks.LOCAL + "\" block");
        Map<String, String> env = environment(state);
        try {
            // The first block is the runbook's own scripts/up (Deploy, Locally): it starts the run.
            runInOrder(RUNBOOK, blocks.subList(0, 1), "", env, files.root(), UP_TIMEOUT);
            runInOrder(RUNBOOK, blocks.subList(1, blocks.size()), PRELUDE, env, files.root(), BLOCK_TIMEOUT);
        } finally {
            ShellBlock.Result down = ShellBlock.run("", "scripts/down", env, files.root(), DOWN_TIMEOUT);
            System.out.println("scripts/down: " + down.output().strip());
        }
    }

    /**
     * Runs {@code blocks} (of the Markdown file {@code file}, for messages) one after the other,
     * each in a new bash in {@code dir} that runs {@code prelude} first.
     *
     * @throws AssertionError for the first block that exits non-zero or times out: which one
     *         (line and heading), its exit status, its text and its output
     */
    static void runInOrder(String file, List<RunbookBlocks.Block> blocks, String prelude, Map<String, String> env, Path dir,
            Duration timeout) {
        for (RunbookBlocks.Block block : blocks) {
            long start = System.nanoTime();
            ShellBlock.Result r = ShellBlock.run(prelude, block.code(), env, dir, timeout);
            System.out.printf("%s: exit %d after %.1f s%n", block.where(file), r.exit(),
                    (System.nanoTime() - start) / 1e9);
            if (!r.ok()) {
                fail("the block at " + block.where(file) + " exited " + r.exit() + "\n--- block ---\n" + block.code()
                        + "--- output ---\n" + r.output());
            }
        }
    }

    /** This JVM's environment without anything a person's sourced credentials.env may have left in
     *  it, and the run's own settings. */
    static Map<String, String> environment(Path state) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("CAPTIER_") || k.equals("REDISCLI_AUTH")
                || k.equals("CONSISTENT_PORT") || k.equals("AVAILABLE_PORT"));
        env.put("CAPTIER_STATE", state.toString());
        env.put("CONSISTENT_PORT", Integer.toString(FreePorts.next()));
        env.put("AVAILABLE_PORT", Integer.toString(FreePorts.next()));
        env.put("CAPTIER_CLASSPATH", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")).replace(File.pathSeparatorChar, ':'));
        env.put("CAPTIER_CLI_CLASSPATH", Stream.of(CaptierCli.class, CommandLine.class, ObjectMapper.class,
                JsonParser.class, JsonProperty.class).map(RunbookIT::codeSource).distinct().collect(Collectors.joining(":")));
        env.put("CAPTIER_UP_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        return env;
    }

    /** The directory or jar {@code type} was loaded from. */
    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no path for the code source of " + type, e);
        }
    }
}
