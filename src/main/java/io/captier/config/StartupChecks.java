package io.captier.config;

import io.captier.security.ApiKeys;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Locale;
import java.util.regex.Pattern;

/** Settings that would make the service wrong rather than merely slow stop it at start-up. */
@ApplicationScoped
public class StartupChecks {

    /**
     * The instance id breaks ties between equal versions, in Java, SQL ("C" collation)
     * and Lua alike: plain ASCII keeps all three in the same order.
     */
    static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** 32 characters: a 256-bit HMAC key when they are random. */
    static final int MIN_SECRET_CHARS = 32;

    /** Fewer distinct characters than this is a pattern someone typed, not a random key. */
    static final int MIN_DISTINCT_SECRET_CHARS = 10;

    void check(@Observes @Priority(1) StartupEvent event, CaptierConfig config) {
        if (!INSTANCE_ID.matcher(config.instanceId()).matches()) {
            throw new IllegalStateException("INSTANCE_ID '" + config.instanceId()
                    + "' must be 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        String secret = config.secretKey().orElse("");
        if (isWeak(secret)) {
            throw new IllegalStateException("SECRET_KEY must be set, to at least " + MIN_SECRET_CHARS
                    + " random characters (the same on every instance, not a placeholder): it signs session tokens");
        }
        for (String accepted : config.acceptedSecretKeys()) {
            if (isWeak(accepted)) {
                throw new IllegalStateException("each SECRET_KEY_ACCEPTED entry must be a secret like SECRET_KEY: "
                        + "at least " + MIN_SECRET_CHARS + " random characters");
            }
        }
        try {
            ApiKeys.parse(config.apiKeys().orElse(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + " (scripts/new-api-key makes an entry)", e);
        }
        // Only a developer's own machine (quarkus:dev) may talk to password-less stores.
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT
                && (config.database().password().isEmpty() || config.redis().password().isEmpty())) {
            throw new IllegalStateException("DATABASE_PASSWORD and REDIS_PASSWORD must be set: "
                    + "captier does not run against stores anyone may log in to");
        }
        if (config.networkTimeoutSec() <= 0 || config.heartbeatMs() <= 0 || config.maxStalenessMs() < 0
                || config.maxValueBytes() <= 0 || config.maxClockOffsetMs() < 0) {
            throw new IllegalStateException("NETWORK_TIMEOUT_SEC, HEARTBEAT_MS and MAX_VALUE_BYTES must be positive, "
                    + "MAX_STALENESS_MS and MAX_CLOCK_OFFSET_MS not negative");
        }
        if (config.networkTimeout().toMillis() <= config.maxClockOffsetMs()) {
            // A direct write must reach the primary within NETWORK_TIMEOUT - MAX_CLOCK_OFFSET (PgStore#write).
            throw new IllegalStateException("NETWORK_TIMEOUT_SEC must be longer than MAX_CLOCK_OFFSET_MS");
        }
    }

    /** Too short, or a placeholder: what SECRET_KEY and every SECRET_KEY_ACCEPTED entry must not be. */
    static boolean isWeak(String secret) {
        return secret.length() < MIN_SECRET_CHARS || looksLikeADefault(secret);
    }

    /** A placeholder copied from an example, or a run of a few characters, signs nothing safely. */
    static boolean looksLikeADefault(String secret) {
        String lower = secret.toLowerCase(Locale.ROOT);
        return lower.contains("change") || lower.contains("example") || lower.contains("secret")
                || lower.contains("default") || secret.chars().distinct().count() < MIN_DISTINCT_SECRET_CHARS;
    }
}
