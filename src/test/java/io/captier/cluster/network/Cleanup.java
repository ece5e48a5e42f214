package io.captier.cluster.network;

import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The undo commands of everything a {@link Network} created. Each is registered with the watchdog
 * <em>before</em> the thing is created, so a JVM killed in between still leaves nothing behind (undoing
 * what does not exist fails harmlessly); {@link #runAll()} runs them newest first.
 */
final class Cleanup {

    /** Names and addresses that go into shell lines unquoted: letters, digits, dots, dashes, colons. */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:/-]+");

    private final Watchdog watchdog;
    private final Deque<List<String>> undo = new ArrayDeque<>();

    Cleanup(Watchdog watchdog) {
        this.watchdog = watchdog;
    }

    /** Records {@code undoArgv}, which removes what the caller is about to create. */
    synchronized void beforeCreating(List<String> undoArgv) {
        for (String a : undoArgv) {
            if (!SAFE.matcher(a).matches()) {
                throw new IllegalArgumentException("unsafe word in cleanup command: " + undoArgv);
            }
        }
        watchdog.registerCleanup(String.join(" ", undoArgv));
        undo.push(undoArgv);
    }

    /**
     * Runs every undo command, newest first, once. Returns the failures other than "already gone"
     * (empty when all went well); the caller decides whether that is an error.
     */
    synchronized List<String> runAll() {
        List<String> failures = new ArrayList<>();
        while (!undo.isEmpty()) {
            List<String> argv = undo.pop();
            Processes.Result r = Processes.run(argv, Map.of(), null, Duration.ofSeconds(10));
            if (!r.ok() && !alreadyGone(r.err())) {
                failures.add(String.join(" ", argv) + ": " + r.err().strip());
            }
        }
        return failures;
    }

    private static boolean alreadyGone(String err) {
        return err.contains("Cannot find device") || err.contains("No such file or directory")
                || err.contains("Cannot open network namespace");
    }
}
