package io.captier.security;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * Reads the API key of a request ({@code Authorization: Bearer <key>}, RFC 6750 section
 * 2.1) and hands it to {@link ApiKeyIdentityProvider}. It decides nothing about routes:
 * authentication is lazy ({@code quarkus.http.auth.proactive=false}), so it runs only
 * when the routed resource method needs an identity for its {@code @RolesAllowed}, and
 * unannotated methods are denied ({@code quarkus.security.jaxrs.deny-unannotated-endpoints}).
 *
 * <p>No header: anonymous (the method's role check then answers 401). A header that is
 * not a bearer token, or one longer than {@link ApiKeys#MAX_TOKEN_CHARS}: a failure
 * ({@link AuthFailures#refused}). An address over its failure budget: a failure
 * ({@link AuthFailures#throttled}) before any hashing.
 */
@ApplicationScoped
public class ApiKeyMechanism implements HttpAuthenticationMechanism {

    /** The challenge of every 401 (RFC 6750 section 3). */
    public static final String CHALLENGE = "Bearer realm=\"captier\"";

    private static final String BEARER = "bearer ";

    private final AuthFailureThrottle throttle;

    public ApiKeyMechanism(AuthFailureThrottle throttle) {
        this.throttle = throttle;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext rc, IdentityProviderManager identities) {
        String authorization = rc.request().getHeader("Authorization");
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().nullItem();
        }
        String address = clientAddress(rc.request());
        long retryAfterMs = throttle.acquire(address);
        if (retryAfterMs > 0) {
            return Uni.createFrom().failure(AuthFailures.throttled(retryAfterMs));
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().failure(AuthFailures.refused("not-bearer"));
        }
        String token = authorization.substring(BEARER.length()).trim();
        if (token.isEmpty() || token.length() > ApiKeys.MAX_TOKEN_CHARS) {
            return Uni.createFrom().failure(AuthFailures.refused("malformed"));
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(new ApiKeyRequest(token), rc))
                .invoke(identity -> throttle.refund(address));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext rc) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class);
    }

    /**
     * The client's IP address as text: the peer, or, behind a proxy listed in
     * TRUSTED_PROXIES, the address that proxy forwarded (Quarkus' proxy-address-forwarding).
     */
    public static String clientAddress(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        return remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
    }
}
