package io.captier.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a request whose path carries matrix parameters (a raw {@code ;}), once the router
 * has matched it and its role check has let it through: see {@link RequestTarget}. The
 * router drops them, so without this {@code POST /write/a;b/v} would write the key {@code a}.
 */
public class MatrixParameters {

    /** @return a 400 {@code bad-path} answer, or null to go on */
    @ServerRequestFilter
    public Response refuse(HttpServerRequest request) {
        Problem refused = RequestTarget.matrixParameters(request.path());
        return refused == null ? null : refused.response();
    }
}
