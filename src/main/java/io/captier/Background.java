package io.captier;

import io.captier.observability.LogEvent;
import org.jboss.logging.Logger;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/** The background threads of captier: named, daemon (they never hold the JVM up). */
public final class Background {

    private static final Logger LOG = Logger.getLogger(Background.class);

    private Background() {
    }

    public static ScheduledExecutorService scheduler(String name, int threads) {
        return Executors.newScheduledThreadPool(threads, daemon(name));
    }

    public static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Runs {@code task} on {@code scheduler} every {@code delayMs} after the previous run ends
     * ({@link ScheduledExecutorService#scheduleWithFixedDelay}), for as long as the scheduler
     * lives. Whatever a run throws is logged as BACKGROUND_TASK_FAILED and the next run comes
     * all the same: a periodic task that throws is otherwise never run again, without a word
     * (the executor keeps the throwable in a future nobody reads), and a heartbeat, a probe or
     * the reconciliation would stop for good while the instance still answers.
     *
     * @param name      the task's name in the log (BACKGROUND_TASK_FAILED's {@code event.reason}), a slug
     * @param initialMs delay before the first run, in milliseconds
     * @param delayMs   delay between the end of one run and the start of the next, in milliseconds
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shut down
     */
    public static void every(ScheduledExecutorService scheduler, String name, long initialMs, long delayMs,
                             Runnable task) {
        scheduler.scheduleWithFixedDelay(survivingFailures(name, task), initialMs, delayMs, TimeUnit.MILLISECONDS);
    }

    /** {@code task}, with whatever it throws, Errors included, logged instead of ending its schedule. */
    static Runnable survivingFailures(String name, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                try {
                    LogEvent.of("BACKGROUND_TASK_FAILED").with(LogEvent.REASON, name)
                            .error(LOG, "a background task failed; it runs again at its next turn", t);
                } catch (Throwable unlogged) {
                    // Logging allocates: after an OutOfMemoryError it may fail too, and the
                    // schedule must survive that as well.
                }
            }
        };
    }
}
