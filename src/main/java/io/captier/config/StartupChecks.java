package io.captier.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

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

    void check(@Observes @Priority(1) StartupEvent event, CaptierConfig config) {
        if (!INSTANCE_ID.matcher(config.instanceId()).matches()) {
            throw new IllegalStateException("INSTANCE_ID '" + config.instanceId()
                    + "' must be 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        if (config.secretKey().orElse("").length() < MIN_SECRET_CHARS) {
            throw new IllegalStateException("SECRET_KEY must be set, to at least " + MIN_SECRET_CHARS
                    + " random characters (the same on every instance): it signs session tokens");
        }
        if (config.networkTimeoutSec() <= 0 || config.heartbeatMs() <= 0 || config.maxStalenessMs() < 0
                || config.maxValueBytes() <= 0) {
            throw new IllegalStateException("NETWORK_TIMEOUT_SEC, HEARTBEAT_MS and MAX_VALUE_BYTES must be positive, "
                    + "MAX_STALENESS_MS not negative");
        }
    }
}
