package io.captier.config;

import io.captier.mode.Mode;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Everything captier reads from its environment. application.properties maps the
 * documented environment variables (DATABASE_URL, NETWORK_TIMEOUT_SEC, ...) onto these
 * names, so this interface is the one place to look for a setting.
 */
@ConfigMapping(prefix = "captier")
public interface CaptierConfig {

    /** The contract this instance keeps: consistent (CP) or available (AP). */
    Mode mode();

    /** Stable name of this instance: the HLC tie-break, the heartbeat owner, X-Instance-Id. */
    String instanceId();

    /** Upper bound for any single store call (connect, query, command). */
    double networkTimeoutSec();

    long maxStalenessMs();

    long heartbeatMs();

    /**
     * MAX_CLOCK_OFFSET_MS: how far instances' clocks may differ. A version further ahead of
     * this instance's clock is not adopted by its HLC (io.captier.version.Hlc), and ages
     * measured from another clock count this much more (io.captier.staleness.Staleness).
     */
    long maxClockOffsetMs();

    int maxValueBytes();

    /** Where this instance keeps its own files: the hint log and the PostgreSQL fence. */
    String hintLogDir();

    /** Signs session tokens; every instance of a deployment needs the same one. */
    Optional<String> secretKey();

    /**
     * SECRET_KEY_ACCEPTED: further secrets, comma-separated, that session tokens may be
     * signed with; never used to sign. Set during a rotation of SECRET_KEY (docs/runbook.md).
     */
    Optional<String> secretKeyAccepted();

    /** SECRET_KEY_ACCEPTED as a list (blank entries dropped); empty outside a rotation. */
    default List<String> acceptedSecretKeys() {
        return secretKeyAccepted().stream()
                .flatMap(list -> Arrays.stream(list.split(",")))
                .map(String::trim)
                .filter(secret -> !secret.isEmpty())
                .toList();
    }

    /** API_KEYS: name:roles:sha256hex entries, comma-separated (io.captier.security.ApiKeys). */
    Optional<String> apiKeys();

    /**
     * AUTH_FAILURES_PER_MINUTE: failed authentications one client address may make per
     * minute before its requests are answered 429 (io.captier.security.AuthFailureThrottle).
     */
    @WithDefault("10")
    int authFailuresPerMinute();

    /** CAPTIER_BREAK_CONTRACT: test-only switches (io.captier.mode.BrokenOnPurpose). */
    Optional<String> breakContract();

    Database database();

    Redis redis();

    Breaker breaker();

    default Duration networkTimeout() {
        return Duration.ofMillis(Math.max(1, Math.round(networkTimeoutSec() * 1000)));
    }

    interface Database {
        String url();

        String user();

        Optional<String> password();

        @WithDefault("16")
        int poolSize();
    }

    interface Redis {
        /** host:port of each sentinel, comma-separated. */
        String sentinels();

        String masterName();

        Optional<String> password();

        /** The sentinels' own requirepass; REDIS_PASSWORD unless set apart. */
        Optional<String> sentinelPassword();

        @WithDefault("16")
        int poolSize();
    }

    /** One set of circuit breaker settings for every store endpoint. */
    interface Breaker {
        @WithDefault("4")
        int requestVolumeThreshold();

        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker refuses calls before it lets one through again. */
        @WithDefault("2000")
        long delayMs();
    }
}
