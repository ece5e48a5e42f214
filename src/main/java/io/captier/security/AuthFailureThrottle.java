package io.captier.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.captier.config.CaptierConfig;
import io.captier.version.MonotonicClock;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Throttles guessing: each client address may fail to authenticate
 * {@code AUTH_FAILURES_PER_MINUTE} times (default 10, as the operators' runbook expects
 * for logins) in any minute; past that, its requests to protected routes are answered
 * 429 without their credential being checked, until its budget refills (one more try
 * every 60 / N seconds). Other addresses, and so a valid key used from elsewhere, are
 * not affected. A try is taken before the credential is checked and given back when it
 * was valid, so concurrent guesses cannot overrun the budget.
 *
 * <p>A token bucket per address (capacity N, refilled at N per minute), held in a
 * Caffeine cache bounded to {@value #MAX_ADDRESSES} addresses: an attacker with more
 * addresses than that can evict buckets, which only ever resets them to full.
 */
@ApplicationScoped
public class AuthFailureThrottle {

    static final int MAX_ADDRESSES = 100_000;
    private static final long MINUTE_MS = 60_000;

    private final int perMinute;
    private final LongSupplier clockMs;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(MAX_ADDRESSES)
            .expireAfterAccess(Duration.ofMillis(MINUTE_MS))
            .build();

    @Inject
    public AuthFailureThrottle(CaptierConfig config) {
        this(config.authFailuresPerMinute(), MonotonicClock::millis);
    }

    AuthFailureThrottle(int perMinute, LongSupplier clockMs) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("AUTH_FAILURES_PER_MINUTE must be 1 or more");
        }
        this.perMinute = perMinute;
        this.clockMs = clockMs;
    }

    /**
     * Takes one try from the address's budget before a credential is checked (or before a
     * request without one is refused), so that even concurrent guesses stay within it.
     *
     * @param address the client's IP address as text
     * @return 0 when a try was taken and the credential may be checked; otherwise how many
     *         milliseconds until the address may try again (at least 1), and nothing was taken
     */
    public long acquire(String address) {
        long now = clockMs.getAsLong();
        return buckets.get(address, a -> new Bucket(perMinute, now)).acquire(now);
    }

    /** The credential {@link #acquire} was taken for was valid: that try was no failure. */
    public void refund(String address) {
        Bucket bucket = buckets.getIfPresent(address);
        if (bucket != null) {
            bucket.refund(clockMs.getAsLong());
        }
    }

    /** Tokens are failures still allowed; one is taken per failure and N come back per minute. */
    private static final class Bucket {
        private final int capacity;
        private double tokens;
        private long refilledAtMs;

        Bucket(int capacity, long nowMs) {
            this.capacity = capacity;
            this.tokens = capacity;
            this.refilledAtMs = nowMs;
        }

        synchronized long acquire(long nowMs) {
            refill(nowMs);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) * MINUTE_MS / capacity));
        }

        synchronized void refund(long nowMs) {
            refill(nowMs);
            tokens = Math.min(capacity, tokens + 1);
        }

        private void refill(long nowMs) {
            long elapsed = Math.max(0, nowMs - refilledAtMs);
            tokens = Math.min(capacity, tokens + (double) elapsed * capacity / MINUTE_MS);
            refilledAtMs = nowMs;
        }
    }
}
