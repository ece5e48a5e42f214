package io.captier.client;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before the next attempt: exponential from {@code initial}, doubled per
 * attempt, never above {@code max}, with jitter so that clients refused together do not come
 * back together; never earlier than the service's {@code Retry-After}.
 *
 * <pre>
 *   e     = min(max, initial * 2^(attemptsMade - 1))
 *   no Retry-After:        wait = e/2 + U * e/2                  (U uniform in [0, 1))
 *   Retry-After r &lt;= max:  wait = min(max, r + U * e/2)
 *   Retry-After r &gt; max:   no retry: the service asked for longer than this client may wait
 * </pre>
 */
final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final DoubleSupplier random;

    /**
     * @param initial the first wait's upper bound, positive
     * @param max     the bound of every wait, at least {@code initial}
     * @param random  uniform values in [0, 1)
     */
    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < initial <= max, got " + initial + " and " + max);
        }
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /**
     * @param attemptsMade attempts made so far, at least 1
     * @param retryAfter   what the last answer asked for, if anything
     * @return the wait before the next attempt, in [0, max]; empty when {@code retryAfter}
     *         exceeds {@code max}
     */
    Optional<Duration> next(int attemptsMade, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent() && retryAfter.get().compareTo(max) > 0) {
            return Optional.empty();
        }
        long maxNanos = max.toNanos();
        int doublings = Math.min(Math.max(attemptsMade - 1, 0), 62);
        long e = initial.toNanos() > (maxNanos >> doublings) ? maxNanos : Math.min(maxNanos, initial.toNanos() << doublings);
        long jitter = (long) (clamp(random.getAsDouble()) * (e / 2));
        long wait = retryAfter.map(r -> r.toNanos() + jitter).orElse(e / 2 + jitter);
        return Optional.of(Duration.ofNanos(Math.min(maxNanos, wait)));
    }

    private static double clamp(double u) {
        return u < 0 ? 0 : Math.min(u, 1);
    }
}
