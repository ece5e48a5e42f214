package io.captier.security;

import io.quarkus.security.AuthenticationFailedException;

import java.util.Map;

/**
 * Failed authentications, carried the way Quarkus carries them: as an
 * {@link AuthenticationFailedException} (a final class) whose attributes say why, in one
 * word for the {@code AUTH_FAILURE} log line ({@code not-bearer}, {@code malformed},
 * {@code unknown-key}, {@code throttled}), and, for a throttled client address, how long
 * until it may try again. Messages and attributes never contain the credential.
 */
public final class AuthFailures {

    static final String REASON = "captier.auth-failure.reason";
    static final String RETRY_AFTER_MS = "captier.auth-failure.retry-after-ms";
    static final String THROTTLED = "throttled";

    private AuthFailures() {
    }

    /** A presented credential that is not a valid API key (401). */
    static AuthenticationFailedException refused(String reason) {
        return new AuthenticationFailedException("API key refused: " + reason, Map.of(REASON, reason));
    }

    /** The client address has no failures left ({@link AuthFailureThrottle}); its credential was not checked (429). */
    static AuthenticationFailedException throttled(long retryAfterMs) {
        return new AuthenticationFailedException("authentication throttled",
                Map.of(REASON, THROTTLED, RETRY_AFTER_MS, retryAfterMs));
    }

    /** @return the one-word reason of {@code e}, or {@code failed} when it came from elsewhere */
    public static String reason(AuthenticationFailedException e) {
        Object reason = e.getAttributes() == null ? null : e.getAttributes().get(REASON);
        return reason instanceof String s ? s : "failed";
    }

    /** @return milliseconds until a throttled address may try again (at least 1), or 0 when {@code e} is no throttling */
    public static long retryAfterMs(AuthenticationFailedException e) {
        Object ms = e.getAttributes() == null ? null : e.getAttributes().get(RETRY_AFTER_MS);
        return ms instanceof Long l ? Math.max(1, l) : 0;
    }
}
