package io.captier.cluster.devstack;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.os.Processes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Restarts captier instances one at a time through NGINX's pools, so that each profile keeps
 * serving throughout (issue 15; the sequence and its timeouts are in docs/decisions.md, "Rolling
 * restarts"). For each instance:
 * <ol>
 *   <li>mark it {@code down} in its pool and reload NGINX: the new workers send it nothing, and the
 *       reload returns once the old workers have finished the requests they held;</li>
 *   <li>SIGTERM: the instance reports not ready, waits SHUTDOWN_DELAY, finishes what it still holds
 *       (at most SHUTDOWN_TIMEOUT), lets a reconciliation round end, and exits; kill -9 only after
 *       {@link Options#stopGrace()};</li>
 *   <li>start it again on the same port with the same environment and hint-log directory (the log
 *       is replayed on start) and wait until {@code /health/ready} answers 200;</li>
 *   <li>put it back in the pool (reload), then the next one.</li>
 * </ol>
 * Nothing is changed before every instance is found ready and in a pool that keeps another
 * serving member. A failure stops the run: the instance concerned stays marked down (the others of
 * its pool serve), every other instance is as it was, and {@link Failed} says which and why.
 */
public final class RollingRestart {

    /**
     * How the run restarts each instance. The defaults are what scripts/ctl uses; switching
     * {@code takeOutOfPool} or {@code graceful} off exists only so RollingRestartIT can show that it
     * catches a restart done without them.
     *
     * @param takeOutOfPool mark the instance down in NGINX before stopping it
     * @param graceful      SIGTERM (else kill -9, a crash)
     * @param stopGrace     how long a SIGTERMed instance may take to exit before kill -9; above
     *                      SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT + a reconciliation round
     * @param readyTimeout  how long a started instance may take to answer /health/live, and then
     *                      /health/ready, with 200 (each; generous: a shared 2-core machine under
     *                      load has been seen to take over 60 s)
     */
    public record Options(boolean takeOutOfPool, boolean graceful, Duration stopGrace, Duration readyTimeout) {

        public static final Options DEFAULT = new Options(true, true, Duration.ofSeconds(40), Duration.ofSeconds(120));
    }

    /** What one instance's restart took; {@code graceful} false when it had to be killed. */
    public record Step(String instance, long outOfPoolMs, long stopMs, long startMs, long backInPoolMs,
            boolean graceful) {

        public long totalMs() {
            return outOfPoolMs + stopMs + startMs + backInPoolMs;
        }
    }

    /** A run that stopped; the message says which instance, what failed, and where the pool stands. */
    public static final class Failed extends RuntimeException {
        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final NginxServer nginx;
    private final Consumer<String> say;
    private final Options options;

    /**
     * @param nginx   the NGINX whose pools hold the instances (as 127.0.0.1:port under their mode)
     * @param say     receives one line per thing done, as it is done
     * @param options {@link Options#DEFAULT} but for the IT's counter-examples
     */
    public RollingRestart(NginxServer nginx, Consumer<String> say, Options options) {
        this.nginx = nginx;
        this.say = say;
        this.options = options;
    }

    /**
     * Restarts {@code instances} in the order given, one at a time.
     *
     * @return one {@link Step} per instance, in order
     * @throws IllegalArgumentException when it cannot start (an instance not ready, not in its
     *                                  pool, or the only serving member of it): nothing was changed
     * @throws Failed                   when a restart failed half-way; see {@link RollingRestart}
     */
    public List<Step> run(List<AppInstance> instances) {
        check(instances);
        List<Step> steps = new ArrayList<>();
        for (AppInstance app : instances) {
            steps.add(restart(app));
        }
        return steps;
    }

    private void check(List<AppInstance> instances) {
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("no instance to restart");
        }
        Map<String, List<String>> pools = nginx.pools();
        Map<String, Integer> serving = new LinkedHashMap<>();
        pools.forEach((profile, addresses) -> serving.put(profile,
                (int) addresses.stream().filter(a -> !nginx.isDown(a)).count()));
        for (AppInstance app : instances) {
            String address = address(app);
            if (!pools.getOrDefault(app.mode(), List.of()).contains(address)) {
                throw new IllegalArgumentException(app.name() + " (" + address + ") is not in NGINX's " + app.mode()
                        + " pool " + pools.get(app.mode()));
            }
            if (nginx.isDown(address)) {
                throw new IllegalArgumentException(app.name() + " is marked down in NGINX's pool already");
            }
            if (!app.isAlive() || !app.ready()) {
                throw new IllegalArgumentException(app.name() + " is not ready (/health/ready is not 200); a rolling "
                        + "restart takes one instance out at a time and needs the others ready: fix it first");
            }
            if (serving.get(app.mode()) < 2) {
                throw new IllegalArgumentException("the " + app.mode() + " pool has " + serving.get(app.mode())
                        + " serving instance(s): restarting " + app.name() + " would leave it empty; "
                        + "scripts/ctl add-instance " + app.mode() + " first");
            }
        }
    }

    private Step restart(AppInstance app) {
        String address = address(app);
        long t0 = System.nanoTime();
        if (options.takeOutOfPool()) {
            say.accept(app.name() + ": out of NGINX's " + app.mode() + " pool (down, reload) ...");
            nginx.setDown(app.mode(), address, true);
        } else {
            say.accept(app.name() + ": left in NGINX's pool (counter-example: no drain)");
        }
        long t1 = System.nanoTime();
        boolean graceful;
        if (options.graceful()) {
            say.accept(app.name() + ": SIGTERM (pid " + app.pid() + "), waiting up to " + options.stopGrace().toSeconds()
                    + " s for it to finish its requests and exit ...");
            graceful = app.stop(options.stopGrace());
            if (!graceful) {
                say.accept(app.name() + ": did not exit within " + options.stopGrace().toSeconds()
                        + " s, killed (kill -9); its hint log is replayed on start");
            }
        } else {
            say.accept(app.name() + ": kill -9 (counter-example: no graceful shutdown)");
            app.kill();
            graceful = false;
        }
        long t2 = System.nanoTime();
        say.accept(app.name() + ": stopped after " + ms(t1, t2) + " ms; starting again on " + address
                + " with hint log " + app.hintDir() + " ...");
        try {
            app.startAgain(options.readyTimeout());
            awaitReady(app, options.readyTimeout());
        } catch (RuntimeException e) {
            app.stop(options.stopGrace());
            throw new Failed(app.name() + " did not come back: " + e.getMessage() + "\n" + app.name()
                    + (options.takeOutOfPool() ? " stays marked down in NGINX's " + app.mode() + " pool; " : " is stopped; ")
                    + "the other instances serve. Nothing else was changed; see its log " + app.log(), e);
        }
        long t3 = System.nanoTime();
        if (options.takeOutOfPool()) {
            say.accept(app.name() + ": ready after " + ms(t2, t3) + " ms; back in the pool (reload) ...");
            nginx.setDown(app.mode(), address, false);
        }
        long t4 = System.nanoTime();
        Step step = new Step(app.name(), ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), graceful);
        say.accept(app.name() + ": restarted in " + step.totalMs() + " ms (out of pool " + step.outOfPoolMs()
                + ", stop " + step.stopMs() + ", start to ready " + step.startMs() + ", back in pool "
                + step.backInPoolMs() + ")");
        return step;
    }

    /**
     * Waits until {@code app} answers {@code /health/ready} with 200.
     *
     * @throws IllegalStateException when it exits first (with its last log lines) or {@code timeout} passes
     */
    static void awaitReady(AppInstance app, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!app.ready()) {
            if (!app.isAlive()) {
                throw new IllegalStateException(app.name() + " exited; last log lines:\n" + app.logTail(30));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(app.name() + ": /health/ready not 200 after " + timeout.toSeconds() + " s");
            }
            Processes.sleep(200);
        }
    }

    /** The address NGINX's pool knows the instance by. */
    public static String address(AppInstance app) {
        return "127.0.0.1:" + app.port();
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }
}
