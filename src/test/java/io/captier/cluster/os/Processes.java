package io.captier.cluster.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Small OS helpers for the harness: run a short command and capture its output, send
 * signals, read {@code /proc}. Linux only, like the topology itself.
 */
public final class Processes {

    /** PostgreSQL refuses to run as root, so when we are root its processes run as this user. */
    static final String PG_OS_USER = "postgres";

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private Processes() {
    }

    /** A finished command's exit code (-1 when timed out) and output. */
    public record Result(int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private static final boolean ROOT = detectRoot();

    static boolean isRoot() {
        return ROOT;
    }

    private static boolean detectRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            // fall through to the property below
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /** Prefix that makes a command run as the postgres OS user when we are root; it execs in place. */
    public static List<String> asPostgres(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + PG_OS_USER, "--regid=" + PG_OS_USER,
                "--init-groups", "--"));
        full.addAll(command);
        return full;
    }

    /**
     * Runs a short-lived command to completion. Output goes through temp files rather than pipes so a
     * chatty command cannot block on a full pipe and a hung one can still be timed out.
     */
    public static Result run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("captier-cmd-", ".out");
            err = Files.createTempFile("captier-cmd-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, read(out), "timed out after " + timeout + ": " + read(err));
            }
            return new Result(p.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Like {@link #run} but throws with the command's stderr when it fails. */
    public static String runOrThrow(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        Result r = run(command, env, workDir, timeout);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + r.exit() + "): "
                    + r.err().strip() + (r.out().isBlank() ? "" : "\n" + r.out().strip()));
        }
        return r.out();
    }

    /**
     * Sends a signal with procps kill. Targets that no longer exist are ignored: kill still signals the
     * rest, and a vanished process is exactly what the callers want anyway.
     */
    static void signal(String sig, List<Long> pids, Long processGroup) {
        List<String> cmd = new ArrayList<>(List.of("kill", "-s", sig, "--"));
        if (processGroup != null) {
            cmd.add("-" + processGroup);
        }
        pids.forEach(p -> cmd.add(Long.toString(p)));
        if (cmd.size() > 4) {
            run(cmd, Map.of(), null, Duration.ofSeconds(10));
        }
    }

    /** Fields of /proc/PID/stat after the "(comm)" part, or null when the process is gone. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // comm may contain spaces and parentheses: everything after the last ") " is well formed.
            return stat.substring(stat.lastIndexOf(") ") + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Start time of a process in clock ticks since boot (stat field 22), -1 when gone. With the PID it
     *  identifies a process for good: a reused PID has a different start time. */
    public static long startTime(long pid) {
        String[] f = statFields(pid);
        return f == null ? -1 : Long.parseLong(f[19]);
    }

    /** Alive = exists and is not a zombie (a zombie holds no resources and will be reaped). */
    static boolean isAlive(long pid) {
        String[] f = statFields(pid);
        return f != null && !f[0].equals("Z");
    }

    public static boolean isAlive(long pid, long startTime) {
        String[] f = statFields(pid);
        return f != null && !f[0].equals("Z") && Long.parseLong(f[19]) == startTime;
    }

    /** Process group of a process, -1 when gone. */
    static long processGroup(long pid) {
        String[] f = statFields(pid);
        return f == null ? -1 : Long.parseLong(f[2]);
    }

    public static String tail(Path file, int lines) {
        try {
            if (file == null || !Files.exists(file)) {
                return "";
            }
            List<String> all = Arrays.asList(Files.readString(file, StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** A random hex secret: safe inside SQL literals, config files and URLs without quoting. */
    public static String randomSecret() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** rm -rf, which copes with files owned by the postgres user and with trees still being written. */
    public static void deleteTree(Path dir) {
        if (dir != null && Files.exists(dir)) {
            run(List.of("rm", "-rf", "--", dir.toString()), Map.of(), null, Duration.ofSeconds(60));
        }
    }

    public static void chownToPostgres(Path path) {
        if (isRoot()) {
            runOrThrow(List.of("chown", "-R", PG_OS_USER + ":" + PG_OS_USER, path.toString()), Map.of(), null,
                    Duration.ofSeconds(30));
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
