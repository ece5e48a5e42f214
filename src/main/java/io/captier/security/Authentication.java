package io.captier.security;

import io.captier.config.CaptierConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Optional;

/**
 * Who may call what. {@code /read} and {@code /write} need a bearer API key with the
 * read or write role; {@code /nodes} and {@code /circuit-breaker} show the topology, so
 * they need the read role too. Health and metrics stay open for probes and Prometheus
 * (NGINX keeps {@code /metrics} off the outside).
 */
@ApplicationScoped
public class Authentication {

    private static final String BEARER = "bearer ";

    private final ApiKeys keys;

    @Inject
    public Authentication(CaptierConfig config) {
        this(ApiKeys.parse(config.apiKeys().orElse("")));
    }

    Authentication(ApiKeys keys) {
        this.keys = keys;
    }

    /** Why a request was let in, or why not (never containing the credential itself). */
    public sealed interface Decision permits Open, Allowed, Refused {
    }

    /** The path needs no credential. */
    public record Open() implements Decision {
    }

    public record Allowed(ApiKey key) implements Decision {
    }

    /** {@code unauthenticated}: no valid key (401); otherwise the key lacks the role (403). */
    public record Refused(boolean unauthenticated, String reason, String keyName) implements Decision {
    }

    public Decision check(String path, String authorization) {
        Optional<Role> needed = required(path);
        if (needed.isEmpty()) {
            return new Open();
        }
        if (authorization == null || authorization.isBlank()) {
            return new Refused(true, "missing", null);
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return new Refused(true, "not-bearer", null);
        }
        String token = authorization.substring(BEARER.length()).trim();
        if (token.isEmpty() || token.length() > ApiKeys.MAX_TOKEN_CHARS) {
            return new Refused(true, "malformed", null);
        }
        Optional<ApiKey> key = keys.find(token);
        if (key.isEmpty()) {
            return new Refused(true, "unknown-key", null);
        }
        if (!key.get().may(needed.get())) {
            return new Refused(false, "lacks-" + needed.get().name().toLowerCase(), key.get().name());
        }
        return new Allowed(key.get());
    }

    /** The role a request needs, or none for the open paths. */
    static Optional<Role> required(String path) {
        if (under(path, "/write")) {
            return Optional.of(Role.WRITE);
        }
        if (under(path, "/read") || under(path, "/nodes") || under(path, "/circuit-breaker")) {
            return Optional.of(Role.READ);
        }
        return Optional.empty();
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
