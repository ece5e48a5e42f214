package io.captier.resilience;

import io.captier.cluster.app.TopologyResource;
import io.captier.failure.StoreUnavailableException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One breaker for blocking and asynchronous calls; the backstop only for blocking ones
 * (Breaker's class comment). A {@code @QuarkusTest} because SmallRye Fault Tolerance's
 * guards need its CDI implementation; the breakers are made here, with settings of their own.
 */
@QuarkusTest
@QuarkusTestResource(value = TopologyResource.class, restrictToAnnotatedClass = true)
class BreakerTest {

    static Breaker breaker(Duration backstop) {
        // SmallRye keeps breakers by name for the life of the application: one name per breaker.
        return new Breaker("redis-replica@test-" + UUID.randomUUID(), new Breaker.Settings(4, 0.5, Duration.ofSeconds(30),
                backstop));
    }

    @Test
    void asynchronousFailuresOpenTheBreakerThatBlockingCallsThenMeet() {
        Breaker b = breaker(Duration.ofSeconds(5));
        for (int i = 0; i < 4; i++) {
            CompletionException failed = assertThrows(CompletionException.class, () -> b.callAsync(
                    () -> CompletableFuture.<String>failedFuture(new StoreUnavailableException("down", null))).toCompletableFuture().join());
            assertInstanceOf(StoreUnavailableException.class, failed.getCause());
        }
        assertEquals(CircuitBreakerState.OPEN, b.state());
        StoreUnavailableException refused = assertThrows(StoreUnavailableException.class, () -> b.call(() -> "never run"));
        assertTrue(refused.getMessage().contains("circuit breaker is open"), refused.getMessage());
    }

    @Test
    void blockingFailuresOpenTheBreakerThatAsynchronousCallsThenMeet() {
        Breaker b = breaker(Duration.ofSeconds(5));
        for (int i = 0; i < 4; i++) {
            assertThrows(StoreUnavailableException.class, () -> b.call(() -> {
                throw new StoreUnavailableException("down", null);
            }));
        }
        CompletionException refused = assertThrows(CompletionException.class,
                () -> b.callAsync(() -> CompletableFuture.completedFuture("never asked")).toCompletableFuture().join());
        assertInstanceOf(StoreUnavailableException.class, refused.getCause());
        assertEquals(4, b.failures());
    }

    @Test
    void theBackstopCutsABlockingCallShortAndCountsIt() {
        Breaker b = breaker(Duration.ofMillis(200));
        long started = System.nanoTime();
        StoreUnavailableException late = assertThrows(StoreUnavailableException.class, () -> b.call(() -> {
            Thread.sleep(5_000);
            return "too late";
        }));
        assertTrue(late.getMessage().contains("did not answer in time"), late.getMessage());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3), "cut at the backstop, not after the call");
        assertEquals(1, b.failures());
    }

    @Test
    void anAsynchronousCallHasNoBackstopItsStageKeepsItsOwnDeadline() {
        Breaker b = breaker(Duration.ofMillis(100));
        CompletableFuture<String> slow = new CompletableFuture<>();
        CompletableFuture<String> answer = b.callAsync(() -> slow).toCompletableFuture();
        CompletableFuture.delayedExecutor(400, TimeUnit.MILLISECONDS).execute(() -> slow.complete("answered"));
        assertEquals("answered", answer.join(), "not cut at the 100 ms a blocking call would be");
        assertEquals(1, b.successes());
    }
}
