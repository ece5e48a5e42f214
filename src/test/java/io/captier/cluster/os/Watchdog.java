package io.captier.cluster.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cleans up after a JVM that died without running its shutdown hooks (kill -9, a fork killed by a
 * Maven timeout): a small bash script, in its own session so it outlives the JVM, polls every second
 * whether the JVM still lives. When it does not, it kills every process listed in the pid file and
 * removes the directory.
 *
 * <p>The pid file holds "PID STARTTIME" lines; the start time (from /proc) tells our process apart
 * from an unrelated one that got a recycled PID, which the script then leaves alone. PostgreSQL
 * backends put themselves in their own process groups, so the script also kills each listed
 * process's children ({@code pkill -P}), after stopping the parent so it cannot fork more.
 *
 * <p>Things that are not processes (network namespaces, links, nft tables of
 * {@code io.captier.cluster.network}) are registered as shell commands that undo them
 * ({@link #registerCleanup}); the script runs them after the kills, newest first, each on its own so
 * one failure does not stop the rest.
 */
public final class Watchdog implements AutoCloseable {

    private static final String SCRIPT = """
            #!/bin/bash
            # captier test harness watchdog: cleans up when the JVM that started the servers is gone.
            jvm=$1 jvm_start=$2 pidfile=$3 dir=$4 cleanupfile=$5

            # alive_as PID STARTTIME: that very process still exists and is not a zombie
            alive_as() {
              local want=$2 s
              s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
              s=${s##*) }
              set -- $s
              [ "$1" != Z ] && [ "${20}" = "$want" ]
            }

            while alive_as "$jvm" "$jvm_start"; do
              sleep 1
            done
            echo "$(date '+%F %T') JVM $jvm is gone: cleaning up $dir"
            if [ -f "$pidfile" ]; then
              while read -r pid start; do
                [ -n "$pid" ] || continue
                if alive_as "$pid" "$start"; then
                  kill -STOP "$pid" 2>/dev/null
                  pkill -KILL -P "$pid" 2>/dev/null
                  kill -9 -- "-$pid" 2>/dev/null
                  kill -9 "$pid" 2>/dev/null
                elif [ ! -e "/proc/$pid" ]; then
                  # the leader is gone but members of its group may remain; the PID cannot have been
                  # reused while that group exists, so the group is still ours
                  kill -9 -- "-$pid" 2>/dev/null
                fi
              done < "$pidfile"
            fi
            # newest first: a namespace's table goes before the namespace, a bridge after its ports
            if [ -f "$cleanupfile" ]; then
              tac "$cleanupfile" | while IFS= read -r cmd; do
                [ -n "$cmd" ] && bash -c "$cmd" >/dev/null 2>&1
              done
            fi
            sleep 1
            rm -rf -- "$dir"
            """;

    /** Registers nothing; for launching the watchdog itself. */
    private static final Watchdog NONE = new Watchdog(null, null, null);

    private final Path pidFile;
    private final Path cleanupFile;
    /** PID -> start time of everything registered, for checks that all of it is gone. */
    private final Map<Long, Long> registered = new LinkedHashMap<>();
    private final OsProcess process;

    private Watchdog(Path pidFile, Path cleanupFile, OsProcess process) {
        this.pidFile = pidFile;
        this.cleanupFile = cleanupFile;
        this.process = process;
    }

    /**
     * Starts a watchdog that removes {@code dir} (and kills and undoes what was registered) when this
     * JVM dies. Throws UncheckedIOException when its files cannot be written in {@code dir}.
     */
    public static Watchdog start(Path dir) {
        return watching(ProcessHandle.current().pid(), dir);
    }

    /**
     * Like {@link #start} but watches process {@code pid} instead of this JVM: for the test that kills
     * a stand-in with kill -9 and checks what the script then removes.
     */
    public static Watchdog watching(long pid, Path dir) {
        try {
            Path script = dir.resolve("watchdog.sh");
            Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
            Path pidFile = dir.resolve("watchdog.pids");
            Files.writeString(pidFile, "");
            Path cleanupFile = dir.resolve("watchdog.cleanup");
            Files.writeString(cleanupFile, "");
            List<String> cmd = List.of("bash", script.toString(), Long.toString(pid),
                    Long.toString(Processes.startTime(pid)), pidFile.toString(), dir.toString(),
                    cleanupFile.toString());
            // the watchdog is registered nowhere: it is what does the cleaning
            OsProcess p = OsProcess.launch(cmd, dir.resolve("watchdog.log"), dir, Map.of(), NONE);
            return new Watchdog(pidFile, cleanupFile, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start watchdog in " + dir, e);
        }
    }

    /** Every process the harness starts goes here right after it started (restarts too). */
    synchronized void register(long pid, long startTime) {
        if (pidFile == null) {
            return;
        }
        registered.put(pid, startTime);
        try {
            Files.writeString(pidFile, pid + " " + startTime + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register pid " + pid + " in " + pidFile, e);
        }
    }

    /**
     * A one-line bash command that undoes something the harness created, run by the script if the
     * watched process dies first. The caller's orderly close does the same itself; the command must
     * therefore be harmless when the thing is already gone (names are per run, never reused). Throws
     * IllegalArgumentException for a command with a line break, UncheckedIOException when the file
     * cannot be written.
     */
    public synchronized void registerCleanup(String command) {
        if (command.contains("\n") || command.contains("\r")) {
            throw new IllegalArgumentException("cleanup command must be one line: " + command);
        }
        if (cleanupFile == null) {
            return;
        }
        try {
            Files.writeString(cleanupFile, command + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register cleanup in " + cleanupFile, e);
        }
    }

    /** Stops the watchdog itself (after an orderly cleanup there is nothing left for it to do). */
    @Override
    public void close() {
        if (process != null) {
            process.kill();
        }
    }

    public synchronized Map<Long, Long> registered() {
        return new LinkedHashMap<>(registered);
    }

    long pid() {
        return process == null ? -1 : process.pid;
    }
}
