package io.captier;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * A periodic task that throws, an Error included, runs again at its next turn: a plain
 * scheduleWithFixedDelay would have dropped it after the first failure, silently.
 */
class BackgroundTest {

    @Test
    void aTaskThatThrowsAnErrorKeepsItsSchedule() {
        ScheduledExecutorService scheduler = Background.scheduler("background-test", 1);
        AtomicInteger runs = new AtomicInteger();
        try {
            Background.every(scheduler, "throws", 0, 10, () -> {
                int n = runs.incrementAndGet();
                if (n == 1) {
                    throw new OutOfMemoryError("unable to create native thread (a test's)");
                }
                if (n == 2) {
                    throw new IllegalStateException("a test's");
                }
            });
            await("runs after an Error and an exception").atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 4);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
