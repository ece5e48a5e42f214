package io.captier.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.config.CaptierConfig;
import io.captier.security.Authentication;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Before any route: X-Mode and X-Instance-Id on every answer (health and metrics too);
 * the caller's API key checked ({@link Authentication}: 401 / 403, logged without the
 * credential); and a body announced larger than MAX_VALUE_BYTES refused at once with
 * 413, before a byte of it is buffered.
 */
@ApplicationScoped
public class HttpFilters {

    /** The routing context entry naming the API key a request came with (for the audit log). */
    public static final String CALLER = "captier.caller";

    private static final Logger LOG = Logger.getLogger(HttpFilters.class);

    private final String mode;
    private final String instanceId;
    private final long maxValueBytes;
    private final ObjectMapper json;
    private final Authentication authentication;

    public HttpFilters(CaptierConfig config, ObjectMapper json, Authentication authentication) {
        this.authentication = authentication;
        this.mode = config.mode().wireName();
        this.instanceId = config.instanceId();
        this.maxValueBytes = config.maxValueBytes();
        this.json = json;
    }

    void register(@Observes Filters filters) {
        filters.register(this::filter, 100);
    }

    private void filter(RoutingContext rc) {
        rc.response().putHeader("X-Mode", mode).putHeader("X-Instance-Id", instanceId);
        Authentication.Decision decision = authentication.check(rc.normalizedPath(),
                rc.request().getHeader("Authorization"));
        if (decision instanceof Authentication.Refused refused) {
            refuse(rc, refused);
            return;
        }
        if (decision instanceof Authentication.Allowed allowed) {
            rc.put(CALLER, allowed.key().name());
        }
        if (rc.request().method() == HttpMethod.POST && rc.normalizedPath().startsWith("/write/")
                && announcedLength(rc) > maxValueBytes) {
            refuseTooLarge(rc);
            return;
        }
        rc.next();
    }

    private static long announcedLength(RoutingContext rc) {
        String length = rc.request().getHeader("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1; // the HTTP layer rejects it
        }
    }

    private void refuse(RoutingContext rc, Authentication.Refused refused) {
        LOG.warnf("AUTH_FAILURE reason=%s key=%s method=%s area=%s remote=%s", refused.reason(),
                refused.keyName() == null ? "-" : refused.keyName(), rc.request().method(),
                area(rc.normalizedPath()), rc.request().remoteAddress());
        if (refused.unauthenticated()) {
            answer(rc, Problem.of(ProblemType.UNAUTHENTICATED, "send 'Authorization: Bearer <API key>'")
                    .header("WWW-Authenticate", "Bearer realm=\"captier\""));
        } else {
            answer(rc, Problem.of(ProblemType.FORBIDDEN, "the API key '" + refused.keyName()
                    + "' may not do this (" + refused.reason() + ")"));
        }
    }

    /** The first path segment: enough to tell what was refused, without logging a user's key. */
    private static String area(String path) {
        int next = path.indexOf('/', 1);
        return next < 0 ? path : path.substring(0, next);
    }

    private void refuseTooLarge(RoutingContext rc) {
        answer(rc, Problem.of(ProblemType.VALUE_TOO_LARGE, "the value is larger than " + maxValueBytes + " bytes")
                .with("max_value_bytes", maxValueBytes).header("Connection", "close"));
    }

    private void answer(RoutingContext rc, Problem problem) {
        try {
            rc.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE);
            problem.headers().forEach(rc.response()::putHeader);
            rc.response().end(json.writeValueAsString(problem.body()));
        } catch (JsonProcessingException e) {
            rc.fail(e);
        }
    }
}
