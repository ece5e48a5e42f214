package io.captier.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.config.CaptierConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Map;

/**
 * Before any route: X-Mode and X-Instance-Id on every answer (health and metrics too),
 * and a body announced larger than MAX_VALUE_BYTES refused at once with 413, before a
 * byte of it is buffered.
 */
@ApplicationScoped
public class HttpFilters {

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

    void register(@Observes Filters filters) {
        filters.register(this::filter, 100);
    }

    private void filter(RoutingContext rc) {
        rc.response().putHeader("X-Mode", mode).putHeader("X-Instance-Id", instanceId);
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

    private void refuseTooLarge(RoutingContext rc) {
        Map<String, Object> body = Problem.of(ProblemType.VALUE_TOO_LARGE,
                "the value is larger than " + maxValueBytes + " bytes").with("max_value_bytes", maxValueBytes).body();
        try {
            rc.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .putHeader("Connection", "close")
                    .end(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            rc.fail(e);
        }
    }
}
