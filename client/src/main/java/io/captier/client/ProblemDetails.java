package io.captier.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Optional;

/**
 * What an error answer said, read once and handed to the exception for it.
 *
 * @param status     the HTTP status, 0 when no answer came
 * @param type       the RFC 9457 {@code type}, null when the answer had none
 * @param title      a short human summary, never null
 * @param detail     the human explanation of this occurrence, "" when absent
 * @param body       the problem object as sent (an empty object when there was none)
 * @param retryAfter the answer's {@code Retry-After}, when it had a usable one
 */
record ProblemDetails(int status, String type, String title, String detail, ObjectNode body,
                      Optional<Duration> retryAfter) {

    /** The prefix of every captier problem type (README, "API"). */
    static final String TYPE_PREFIX = "urn:captier:problem:";

    /** The problem's name: the type without {@link #TYPE_PREFIX}; null for a foreign or missing type. */
    String name() {
        return type != null && type.startsWith(TYPE_PREFIX) ? type.substring(TYPE_PREFIX.length()) : null;
    }

    /**
     * A problem that the client states itself, in the service's words where there are some.
     *
     * @param name a captier problem name, or null when no type applies (no answer at all)
     */
    static ProblemDetails local(int status, String name, String title, String detail) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        String type = name == null ? null : TYPE_PREFIX + name;
        if (type != null) {
            body.put("type", type);
        }
        body.put("title", title);
        if (status != 0) {
            body.put("status", status);
        }
        body.put("detail", detail);
        return new ProblemDetails(status, type, title, detail, body, Optional.empty());
    }
}
