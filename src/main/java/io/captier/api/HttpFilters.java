package io.captier.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.config.CaptierConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Before any route, for every request whatever its path: X-Mode and X-Instance-Id on
 * every answer; a request target that is no URI refused (problem+json, see
 * {@link RequestTarget}); and the HTTP layer's own limits answered as problem+json
 * rather than as Vert.x's empty 414/431/413: a request target over
 * {@value RequestTarget#MAX_CHARS} characters, headers over {@value #MAX_HEADER_BYTES}
 * bytes, a body announced larger than MAX_VALUE_BYTES (before a byte of it is buffered).
 * Methods other than GET, HEAD, POST and DELETE are 405 for every path: no route takes
 * them, and the router would otherwise answer OPTIONS itself, before any role check.
 * Failures of the router itself are answered problem+json too ({@link #routes}).
 *
 * <p>Nothing here decides who may call what: that is decided on the routed resource
 * method ({@code @RolesAllowed}, io.captier.security).
 */
@ApplicationScoped
public class HttpFilters {

    /**
     * Request headers larger than this are 431. Vert.x's own limit
     * ({@code quarkus.http.limits.max-header-size}) is set above it, so that up to there
     * the refusal is ours and problem+json.
     */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    /** Every method a route of ours takes; HEAD is GET without the body. */
    static final Set<HttpMethod> SERVED = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.DELETE);

    private static final Logger LOG = Logger.getLogger(HttpFilters.class);

    private final String mode;
    private final String instanceId;
    private final long maxValueBytes;
    private final ObjectMapper json;

    public HttpFilters(CaptierConfig config, ObjectMapper json) {
        this.mode = config.mode().wireName();
        this.instanceId = config.instanceId();
        this.maxValueBytes = config.maxValueBytes();
        this.json = json;
    }

    /**
     * Before every other handler (Quarkus' own run at priorities up to 300), so that no
     * handler reads a path this filter would refuse.
     */
    static final int PRIORITY = 1000;

    void register(@Observes Filters filters) {
        filters.register(this::filter, PRIORITY);
    }

    /**
     * Failures raised by the router itself rather than by a resource (a path that does not
     * start with '/', a body over the HTTP layer's limit, a handler that failed) are answered
     * problem+json here, first, instead of by Quarkus' default error page.
     */
    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failed);
    }

    private void failed(RoutingContext rc) {
        if (rc.response().ended()) {
            // Already answered by the HTTP layer (a chunked body past its limit gets its 413);
            // the failure that follows is that request's end, not a fault.
            LOG.debugf("after the answer: %s", rc.failure());
            return;
        }
        int status = rc.statusCode();
        if (status < 400 || status >= 500) {
            LOG.errorf(rc.failure(), "HTTP layer failure (%d) on %s %s", status, rc.request().method(),
                    RequestTarget.shown(rc.request().uri()));
            answer(rc, Problem.of(ProblemType.INTERNAL, "an unexpected error occurred; it has been logged"));
            return;
        }
        Problem target = RequestTarget.refusal(rc.request().uri());
        answer(rc, target != null ? target : switch (status) {
            case 404 -> Problem.of(ProblemType.NO_SUCH_RESOURCE, "no such path");
            case 405 -> Problem.of(ProblemType.METHOD_NOT_ALLOWED, "this path does not take that method");
            case 413 -> Problem.of(ProblemType.VALUE_TOO_LARGE, "the request body is too large");
            default -> Problem.of(ProblemType.BAD_REQUEST, "the request could not be read (" + status + ")");
        });
    }

    private void filter(RoutingContext rc) {
        rc.response().putHeader("X-Mode", mode).putHeader("X-Instance-Id", instanceId);
        Problem refused = RequestTarget.refusal(rc.request().uri());
        if (refused == null && !SERVED.contains(rc.request().method())) {
            refused = Problem.of(ProblemType.METHOD_NOT_ALLOWED, "captier serves GET, HEAD, POST and DELETE only")
                    .header("Allow", "GET, HEAD, POST, DELETE");
        }
        if (refused == null) {
            refused = ambiguousHeaders(rc.request().headers());
        }
        if (refused == null && headerBytes(rc.request().headers()) > MAX_HEADER_BYTES) {
            refused = Problem.of(ProblemType.HEADERS_TOO_LARGE, "the request headers are larger than "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (refused == null && announcedLength(rc) > maxValueBytes) {
            // No route takes a body larger than a value, so this holds for every path.
            refused = Problem.of(ProblemType.VALUE_TOO_LARGE, "the value is larger than " + maxValueBytes + " bytes")
                    .with("max_value_bytes", maxValueBytes);
        }
        if (refused != null) {
            answer(rc, refused.header("Connection", "close"));
            return;
        }
        rc.next();
    }

    /** captier's own request headers: each takes one value, and none means anything empty. */
    private static final List<String> SINGLE_VALUED = List.of("Idempotency-Key", "X-Session-Token",
            "X-Max-Staleness-Ms", "If-Match", "If-None-Match");

    /**
     * Two Authorization headers: which one names the caller? A proxy and the service could
     * each take another (RFC 9110 section 11.6.2 allows one), so neither is taken. The same
     * for captier's own headers, and an empty one is refused too: a framework reads an empty
     * line as no header, so {@code -H "Idempotency-Key: $UNSET"} would silently send a write
     * without the guarantee the client asked for.
     */
    private static Problem ambiguousHeaders(MultiMap headers) {
        if (headers.getAll("Authorization").size() > 1) {
            return Problem.of(ProblemType.BAD_HEADER, "send one Authorization header");
        }
        for (String name : SINGLE_VALUED) {
            List<String> lines = headers.getAll(name);
            if (lines.size() > 1) {
                return Problem.of(ProblemType.BAD_HEADER, "send one " + name + " header");
            }
            if (lines.size() == 1 && lines.get(0).isBlank()) {
                return Problem.of(ProblemType.BAD_HEADER, "the " + name + " header is empty: send a value, or no header");
            }
        }
        return null;
    }

    private static long headerBytes(MultiMap headers) {
        long bytes = 0;
        for (Map.Entry<String, String> header : headers) {
            bytes += header.getKey().length() + header.getValue().length() + 4; // ": " and CRLF
        }
        return bytes;
    }

    private static long announcedLength(RoutingContext rc) {
        String length = rc.request().getHeader("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1; // the HTTP layer rejects it
        }
    }

    private void answer(RoutingContext rc, Problem problem) {
        if (rc.response().ended()) {
            return;
        }
        try {
            rc.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .putHeader("X-Mode", mode).putHeader("X-Instance-Id", instanceId);
            problem.headers().forEach(rc.response()::putHeader);
            rc.response().end(json.writeValueAsString(problem.body()));
        } catch (JsonProcessingException e) {
            rc.fail(e);
        }
    }
}
