package io.captier.cluster.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One long-running server process the harness started, in its own session and process group.
 *
 * <p>Launched through {@code setsid}: the JVM's child is not a process-group leader, so setsid calls
 * setsid(2) and execs in place, and the PID we get is the server's own PID and its PGID. Signals go to
 * the group <em>and</em> to the process's descendants, because PostgreSQL backends call setsid()
 * themselves and so are not in the postmaster's group.
 */
public final class OsProcess {

    public final long pid;
    final long startTime;
    private final Process process;

    private OsProcess(Process process) {
        this.process = process;
        this.pid = process.pid();
        this.startTime = Processes.startTime(pid);
    }

    /**
     * Starts {@code command} in a new session with stdin from /dev/null and stdout+stderr appended to
     * {@code log}, and registers it with the watchdog before anything else can fail.
     */
    public static OsProcess launch(List<String> command, Path log, Path workDir, Map<String, String> env, Watchdog watchdog) {
        List<String> full = new ArrayList<>();
        full.add("setsid");
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            OsProcess p = new OsProcess(pb.start());
            watchdog.register(p.pid, p.startTime);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + full, e);
        }
    }

    public boolean isAlive() {
        return Processes.isAlive(pid, startTime);
    }

    /** The process and its live descendants (PID -> start time). */
    private Map<Long, Long> tree() {
        Map<Long, Long> pids = new LinkedHashMap<>();
        if (isAlive()) {
            pids.put(pid, startTime);
        }
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> {
            long st = Processes.startTime(d.pid());
            if (st >= 0) {
                pids.put(d.pid(), st);
            }
        }));
        return pids;
    }

    /** SIGSTOP: the root first so it cannot fork new children that would miss the signal. */
    public void pause() {
        if (!isAlive()) {
            return;
        }
        Processes.signal("STOP", List.of(pid), null);
        Processes.signal("STOP", new ArrayList<>(tree().keySet()), pid);
    }

    public void resume() {
        List<Long> pids = new ArrayList<>(tree().keySet());
        Processes.signal("CONT", pids, pid);
    }

    /**
     * kill -9 of the whole process tree and group, like a machine crash: the root is stopped first so it
     * can neither fork nor react (a postmaster would start crash recovery) while its children die.
     * Returns once every one of them is gone.
     */
    public void kill() {
        if (isAlive()) {
            Processes.signal("STOP", List.of(pid), null);
        }
        Map<Long, Long> tree = tree();
        Processes.signal("KILL", new ArrayList<>(tree.keySet()), pid);
        awaitGone(tree, Duration.ofSeconds(15));
    }

    /**
     * Graceful stop: {@code sig} to the root (SIGTERM for a service, SIGQUIT for a postmaster, which
     * then tells its children), kill -9 for whatever is still there after {@code grace}.
     *
     * @return true when the root exited by itself within {@code grace} (or was not running), false
     *         when it had to be killed
     */
    public boolean terminate(String sig, Duration grace) {
        Map<Long, Long> tree = tree();
        if (tree.isEmpty()) {
            return true;
        }
        // A paused process would never act on the signal.
        Processes.signal("CONT", new ArrayList<>(tree.keySet()), pid);
        Processes.signal(sig, List.of(pid), null);
        boolean graceful = awaitGone(Map.of(pid, startTime), grace);
        if (!graceful) {
            kill();
        } else {
            // Children normally go with the root; make sure of it.
            Map<Long, Long> left = new LinkedHashMap<>();
            tree.forEach((p, st) -> {
                if (Processes.isAlive(p, st)) {
                    left.put(p, st);
                }
            });
            if (!left.isEmpty() && !awaitGone(left, Duration.ofSeconds(2))) {
                Processes.signal("KILL", new ArrayList<>(left.keySet()), pid);
                awaitGone(left, Duration.ofSeconds(10));
            }
        }
        reap();
        return graceful;
    }

    private boolean awaitGone(Map<Long, Long> pids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean anyAlive = pids.entrySet().stream().anyMatch(e -> Processes.isAlive(e.getKey(), e.getValue()));
            if (!anyAlive) {
                reap();
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Processes.sleep(20);
        }
    }

    /** Lets the JVM collect the exit status so no zombie of ours lingers. */
    private void reap() {
        try {
            process.onExit().get(1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // it is dead by /proc; the JVM's reaper will collect it
        }
    }

    @Override
    public String toString() {
        return Long.toString(pid);
    }
}
