package io.captier.resilience;

import io.captier.failure.RequestRejectedException;
import io.captier.failure.Stages;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.LogEvent;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.util.TypeLiteral;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One named circuit breaker in front of one store endpoint (README, "Circuit breakers"), built on
 * SmallRye Fault Tolerance. While it is open, calls fail at once with
 * {@link StoreUnavailableException}, which the API turns into 503 + Retry-After.
 *
 * <p>A blocking call has a timeout as a backstop: the drivers carry NETWORK_TIMEOUT_SEC
 * themselves (pgjdbc socket and login timeouts, Redis command deadlines), because only they
 * can tell a write that was never sent from one whose answer was lost. An asynchronous call
 * has none: its stage must carry its own deadline. SmallRye schedules every timeout on one
 * timer thread and wakes that thread for each (6.10's {@code ThreadTimer.schedule}): on the
 * available read, served on the event loop, that cost 11 % of the instance's CPU for a
 * deadline the Redis command already has (the benchmark's profile; docs/decisions.md).
 * So the breaker and the backstop are two guards, the backstop inside: one breaker counts
 * both kinds of call.
 */
public final class Breaker {

    private static final Logger LOG = Logger.getLogger(Breaker.class);

    private final String name;
    private final Guard breaker;
    private final Guard backstop;
    private final Duration delay;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong prevented = new AtomicLong();
    private volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
    private volatile Instant since = Instant.now();

    Breaker(String name, Settings settings) {
        this.name = name;
        this.delay = settings.delay();
        this.breaker = Guard.create()
                .withDescription(name)
                .withCircuitBreaker()
                    .name(name)
                    .requestVolumeThreshold(settings.requestVolumeThreshold())
                    .failureRatio(settings.failureRatio())
                    .delay(settings.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(1)
                    .skipOn(RequestRejectedException.class)
                    .onStateChange(this::changed)
                    .onFailure(failures::incrementAndGet)
                    .onSuccess(successes::incrementAndGet)
                    .onPrevented(prevented::incrementAndGet)
                    .done()
                .build();
        this.backstop = Guard.create()
                .withDescription(name + " backstop")
                .withTimeout()
                    .duration(settings.timeoutBackstop().toMillis(), ChronoUnit.MILLIS)
                    .done()
                .build();
    }

    /**
     * Run a blocking store call through the breaker, with the backstop timeout inside it (a
     * backstop that fires counts as a failure). Driver exceptions pass through unchanged.
     */
    @SuppressWarnings("unchecked")
    public <T> T call(Callable<T> action) {
        try {
            return (T) breaker.call(() -> backstop.call((Callable<Object>) action, Object.class), Object.class);
        } catch (Exception e) {
            throw translated(e);
        } finally {
            // The timeout interrupts the calling worker thread; don't let that leak into
            // the next request this thread serves.
            Thread.interrupted();
        }
    }

    /**
     * Run a store call that answers later through the same breaker, without blocking: the
     * breaker counts the stage's outcome. There is no backstop (class comment): the stage must
     * fail by itself within its deadline. SmallRye Fault Tolerance guards a
     * {@link CompletionStage} action as asynchronous; called on a Vert.x event loop (thread
     * offload is off by default), it starts the action and hands its outcome back on that same
     * event loop, one loop task each. For calls on an event loop.
     *
     * @param action starts the call; its stage must complete within the network timeout, and
     *               fails the way {@link #call} throws
     * @return the call's answer; fails with {@link StoreUnavailableException} while the breaker
     *         is open, else with the driver's exception unchanged
     */
    @SuppressWarnings("unchecked")
    public <T> CompletionStage<T> callAsync(Supplier<CompletionStage<T>> action) {
        CompletionStage<Object> guarded;
        try {
            guarded = breaker.call(() -> (CompletionStage<Object>) action.get(), STAGE);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(translated(e));
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        guarded.whenComplete((value, failure) -> {
            if (failure == null) {
                answer.complete((T) value);
            } else {
                answer.completeExceptionally(translated(Stages.cause(failure)));
            }
        });
        return answer;
    }

    private static final TypeLiteral<CompletionStage<Object>> STAGE = new TypeLiteral<>() {
    };

    /** A guard's failure as callers see it: the breaker's own in domain words, the store's unchanged. */
    private RuntimeException translated(Throwable e) {
        if (e instanceof CircuitBreakerOpenException) {
            return new StoreUnavailableException(kind() + " circuit breaker is open", name, null, retryAfterMs());
        }
        if (e instanceof TimeoutException) {
            return new StoreUnavailableException(kind() + " did not answer in time", name, e, 1000);
        }
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        return new StoreUnavailableException(kind() + " failed", name + ": " + e.getMessage(), e, 1000);
    }

    /** The kind of endpoint this breaker guards, without its address: {@code redis-replica@host:port} is {@code redis-replica}. */
    private String kind() {
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    private void changed(CircuitBreakerState next) {
        CircuitBreakerState previous = state;
        state = next;
        since = Instant.now();
        int at = name.indexOf('@');
        LogEvent.of("CIRCUIT_BREAKER_STATE_CHANGE").with(LogEvent.BREAKER, name)
                .with(LogEvent.NODE, at < 0 ? null : name.substring(at + 1))
                .with(LogEvent.PREVIOUS_STATE, previous).with(LogEvent.STATE, next)
                .warn(LOG, "now " + next);
    }

    /** Until the open breaker lets a trial call through; at least one second. */
    public long retryAfterMs() {
        if (state != CircuitBreakerState.OPEN) {
            return 1000;
        }
        long left = delay.toMillis() - Duration.between(since, Instant.now()).toMillis();
        return Math.max(1000, left);
    }

    public String name() {
        return name;
    }

    public CircuitBreakerState state() {
        return state;
    }

    public boolean isClosed() {
        return state == CircuitBreakerState.CLOSED;
    }

    public Instant since() {
        return since;
    }

    public long failures() {
        return failures.get();
    }

    public long successes() {
        return successes.get();
    }

    public long prevented() {
        return prevented.get();
    }

    /** The Prometheus value of circuit_breaker_state: 0 closed, 1 half-open, 2 open. */
    public int stateCode() {
        return switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

    record Settings(int requestVolumeThreshold, double failureRatio, Duration delay, Duration timeoutBackstop) {
    }
}
