package io.captier.api;

/**
 * Every kind of error answer captier gives, with its stable RFC 9457 {@code type}.
 * Clients may switch on the type; the title and detail are for people.
 */
public enum ProblemType {
    BAD_KEY(400, "bad-key", "The key is not valid"),
    BAD_HEADER(400, "bad-header", "A request header is not valid"),
    BAD_REQUEST(400, "bad-request", "The request is not valid"),
    BAD_PATH(400, "bad-path", "The request path is ambiguous or malformed"),
    BAD_SESSION(400, "bad-session", "The session token is not valid"),
    UNAUTHENTICATED(401, "unauthenticated", "A valid API key is required"),
    FORBIDDEN(403, "forbidden", "This API key may not do this"),
    NOT_FOUND(404, "not-found", "No value for this key"),
    NO_SUCH_RESOURCE(404, "no-such-resource", "Nothing here"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed here"),
    NOT_ACCEPTABLE(406, "not-acceptable", "Cannot answer in an accepted media type"),
    VALUE_TOO_LARGE(413, "value-too-large", "The value is larger than allowed"),
    URI_TOO_LONG(414, "uri-too-long", "The request target is too long"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "The content type is not valid"),
    PRECONDITION_FAILED(412, "precondition-failed", "The precondition does not hold"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "The Idempotency-Key belongs to a different request"),
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    HEADERS_TOO_LARGE(431, "headers-too-large", "The request headers are too large"),
    INTERNAL(500, "internal", "Internal error"),
    UNAVAILABLE(503, "unavailable", "The contract of this profile cannot be kept now"),
    SESSION_BEHIND(503, "session-behind", "No reachable source has caught up with this session yet"),
    OUTCOME_UNKNOWN(503, "outcome-unknown", "The write may or may not have been applied");

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String uri() {
        return "urn:captier:problem:" + slug;
    }

    public String title() {
        return title;
    }
}
