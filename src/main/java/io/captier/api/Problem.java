package io.captier.api;

import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer as {@code application/problem+json} (RFC 9457): type, title, status,
 * detail, plus captier's own members (outcome, source, staleness_ms, ...). Never a
 * stack trace.
 */
public final class Problem {

    public static final String MEDIA_TYPE = "application/problem+json";

    private final ProblemType type;
    private final String detail;
    private final Map<String, Object> members = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Problem(ProblemType type, String detail) {
        this.type = type;
        this.detail = detail;
    }

    public static Problem of(ProblemType type, String detail) {
        return new Problem(type, detail);
    }

    public Problem with(String member, Object value) {
        members.put(member, value);
        return this;
    }

    public Problem header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** 503s say when to come back, in whole seconds as Retry-After wants. */
    public Problem retryAfterMs(long millis) {
        return header("Retry-After", Long.toString(Math.max(1, (millis + 999) / 1000)));
    }

    public ProblemException exception() {
        return new ProblemException(this);
    }

    /** The JSON members, in RFC 9457 order, then captier's own. */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type.uri());
        body.put("title", type.title());
        body.put("status", type.status());
        if (detail != null) {
            body.put("detail", detail);
        }
        body.putAll(members);
        return body;
    }

    public int status() {
        return type.status();
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Response response() {
        Response.ResponseBuilder r = Response.status(type.status()).type(MEDIA_TYPE).entity(body());
        headers.forEach(r::header);
        return r.build();
    }

    /** Thrown anywhere in request handling; mapped to its response as is. */
    public static final class ProblemException extends RuntimeException {
        private final transient Problem problem;

        ProblemException(Problem problem) {
            super(problem.detail, null, false, false);
            this.problem = problem;
        }

        public Response response() {
            return problem.response();
        }
    }
}
