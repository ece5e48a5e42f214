package io.captier.cluster;

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
 */
final class Watchdog implements AutoCloseable {

    private static final String SCRIPT = """
            #!/bin/bash
            # captier test harness watchdog: cleans up when the JVM that started the servers is gone.
            jvm=$1 jvm_start=$2 pidfile=$3 dir=$4

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
            sleep 1
            rm -rf -- "$dir"
            """;

    /** Registers nothing; for launching the watchdog itself. */
    private static final Watchdog NONE = new Watchdog(null, null);

    private final Path pidFile;
    /** PID -> start time of everything registered, for checks that all of it is gone. */
    private final Map<Long, Long> registered = new LinkedHashMap<>();
    private final OsProcess process;

    private Watchdog(Path pidFile, OsProcess process) {
        this.pidFile = pidFile;
        this.process = process;
    }

    /** Starts a watchdog that removes {@code dir} (and kills what was registered) when this JVM dies. */
    static Watchdog start(Path dir) {
        try {
            Path script = dir.resolve("watchdog.sh");
            Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
            Path pidFile = dir.resolve("watchdog.pids");
            Files.writeString(pidFile, "");
            long jvm = ProcessHandle.current().pid();
            List<String> cmd = List.of("bash", script.toString(), Long.toString(jvm),
                    Long.toString(Processes.startTime(jvm)), pidFile.toString(), dir.toString());
            // the watchdog is registered nowhere: it is what does the cleaning
            OsProcess p = OsProcess.launch(cmd, dir.resolve("watchdog.log"), dir, Map.of(), NONE);
            return new Watchdog(pidFile, p);
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

    /** Stops the watchdog itself (after an orderly cleanup there is nothing left for it to do). */
    @Override
    public void close() {
        if (process != null) {
            process.kill();
        }
    }

    synchronized Map<Long, Long> registered() {
        return new LinkedHashMap<>(registered);
    }

    long pid() {
        return process == null ? -1 : process.pid;
    }
}
