package io.captier.api;

import io.captier.observability.LogEvent;
import io.captier.security.ApiKeyMechanism;
import io.captier.security.AuthFailureThrottle;
import io.captier.security.AuthFailures;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * The answers of the role checks that Quarkus security runs on the routed resource method
 * (authentication is lazy, so its failures reach these mappers): 401
 * {@code unauthenticated} with {@code WWW-Authenticate: Bearer} (RFC 6750 section 3) for
 * no, a malformed or an unknown key; 403 {@code forbidden} for a key without the
 * method's role; 429 {@code rate-limited} with Retry-After once the client address has
 * used up its failures ({@link AuthFailureThrottle}). Each is logged as one
 * {@code AUTH_FAILURE} line with fields ({@link LogEvent}): reason, the key's name when
 * known, method, the route template (never the data key) and the client address; never
 * the credential.
 */
public class AuthProblems {

    private static final Logger LOG = Logger.getLogger(AuthProblems.class);

    private final AuthFailureThrottle throttle;
    private final SecurityIdentity identity;

    public AuthProblems(AuthFailureThrottle throttle, SecurityIdentity identity) {
        this.throttle = throttle;
        this.identity = identity;
    }

    /** No credential at all, for a method that needs one: a failed try of this address too. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, HttpServerRequest request, ResourceInfo resource) {
        String address = ApiKeyMechanism.clientAddress(request);
        long retryAfterMs = throttle.acquire(address);
        if (retryAfterMs > 0) {
            return throttled(retryAfterMs, request, resource);
        }
        log("missing", null, request, resource);
        return unauthenticated();
    }

    /** A credential that is no valid API key (the mechanism already took the try), or a throttled address. */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, HttpServerRequest request,
                                         ResourceInfo resource) {
        long retryAfterMs = AuthFailures.retryAfterMs(e);
        if (retryAfterMs > 0) {
            return throttled(retryAfterMs, request, resource);
        }
        log(AuthFailures.reason(e), null, request, resource);
        return unauthenticated();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, HttpServerRequest request, ResourceInfo resource) {
        String needed = neededRoles(resource);
        String name = identity.isAnonymous() ? null : identity.getPrincipal().getName();
        String reason = needed.isEmpty() ? "denied" : "lacks-" + needed;
        log(reason, name, request, resource);
        return Problem.of(ProblemType.FORBIDDEN, "the API key '" + name + "' may not do this (" + reason + ")")
                .response();
    }

    private static Response unauthenticated() {
        return Problem.of(ProblemType.UNAUTHENTICATED, "send 'Authorization: Bearer <API key>'")
                .header("WWW-Authenticate", ApiKeyMechanism.CHALLENGE).response();
    }

    private static Response throttled(long retryAfterMs, HttpServerRequest request, ResourceInfo resource) {
        log("throttled", null, request, resource);
        return Problem.of(ProblemType.RATE_LIMITED, "too many failed authentications from this address; "
                + "retry later").retryAfterMs(retryAfterMs).response();
    }

    private static void log(String reason, String keyName, HttpServerRequest request, ResourceInfo resource) {
        LogEvent.of("AUTH_FAILURE").with(LogEvent.OUTCOME, "failure").with(LogEvent.REASON, reason)
                .with(LogEvent.USER, keyName).with(LogEvent.METHOD, request.method())
                .with(LogEvent.ROUTE, route(resource)).with(LogEvent.CLIENT, ApiKeyMechanism.clientAddress(request))
                .warn(LOG, reason);
    }

    /** The routed method's path template, such as {@code /write/{key}}: never the data key itself. */
    static String route(ResourceInfo resource) {
        Method method = resource == null ? null : resource.getResourceMethod();
        if (method == null) {
            return "-";
        }
        Path onClass = resource.getResourceClass().getAnnotation(Path.class);
        Path onMethod = method.getAnnotation(Path.class);
        String path = (onClass == null ? "" : onClass.value()) + "/" + (onMethod == null ? "" : onMethod.value());
        path = path.replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** The roles the routed method allows, joined with '+', or empty when it allows none. */
    private static String neededRoles(ResourceInfo resource) {
        Method method = resource == null ? null : resource.getResourceMethod();
        RolesAllowed allowed = method == null ? null : method.getAnnotation(RolesAllowed.class);
        if (allowed == null && resource != null) {
            allowed = resource.getResourceClass().getAnnotation(RolesAllowed.class);
        }
        return allowed == null ? "" : String.join("+", Arrays.asList(allowed.value()));
    }
}
