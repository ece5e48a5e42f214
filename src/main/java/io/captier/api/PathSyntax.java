package io.captier.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a request whose path carries matrix parameters, an empty or a dot segment, once
 * the router has matched it and its role check has let it through: see
 * {@link RequestTarget#ambiguousSegments}. The router drops or resolves them, so without
 * this {@code POST /write/a;b/v} would write the key {@code a}, and
 * {@code POST /write/%2e/v} the key {@code v}.
 */
public class PathSyntax {

    /** @return a 400 {@code bad-path} answer, or null to go on */
    @ServerRequestFilter
    public Response refuse(HttpServerRequest request) {
        Problem refused = RequestTarget.ambiguousSegments(request.path());
        return refused == null ? null : refused.response();
    }
}
