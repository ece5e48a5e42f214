package io.captier.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a piece of shell text with bash, as a person would paste it: {@code set -eo pipefail}, so
 * the first failing command (or pipeline) ends it with its status. Output (stdout and stderr
 * together) goes through a file, so a chatty command cannot block; on timeout the shell and every
 * process it started are killed.
 */
final class ShellBlock {

    /** The exit status ({@code -1}: timed out) and the output, stdout and stderr interleaved. */
    record Result(int exit, String output) {

        boolean ok() {
            return exit == 0;
        }
    }

    private ShellBlock() {
    }

    /**
     * Runs {@code prelude} then {@code code} in a new {@code bash} in {@code dir}, with the
     * environment {@code env} (the whole of it: nothing inherited).
     *
     * @return its outcome; never throws for a failing or hung block
     * @throws UncheckedIOException when bash cannot be started or its output read
     */
    static Result run(String prelude, String code, Map<String, String> env, Path dir, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("captier-block-", ".out");
            ProcessBuilder pb = new ProcessBuilder(List.of("bash", "-c", "set -eo pipefail\n" + prelude + "\n" + code))
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, Files.readString(out, StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run bash in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a block ran", e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }
}
