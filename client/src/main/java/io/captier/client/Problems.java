package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * An error answer as the exception for it: by the problem's {@code type} (RFC 9457; the
 * names in README "API"), or, when the answer is no captier problem (a gateway's page, an
 * unknown type), by its status.
 */
final class Problems {

    private Problems() {
    }

    /**
     * @param status  the answer's status, 300 or more
     * @param headers its headers ({@code Retry-After} is read)
     * @param body    its body, possibly empty or not JSON
     * @param now     the current time, for an HTTP-date {@code Retry-After}
     * @return the exception for it, never null
     */
    static CaptierException toException(int status, HttpHeaders headers, byte[] body, Instant now) {
        ObjectNode problem = parse(body);
        String type = problem.path("type").isTextual() ? problem.get("type").asText() : null;
        String title = Optional.ofNullable(Json.text(problem, "title")).orElse("HTTP " + status);
        String detail = Optional.ofNullable(Json.text(problem, "detail")).orElse("");
        ProblemDetails p = new ProblemDetails(status, type, title, detail, problem,
                RetryAfter.parse(headers.firstValue("Retry-After").orElse(null), now));
        String name = p.name();
        return byName(name).or(() -> byStatus(status)).orElse(CaptierException::new).apply(p);
    }

    private static Optional<Function<ProblemDetails, CaptierException>> byName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (name) {
            case "bad-key", "bad-path", "bad-header", "bad-request", "no-such-resource", "method-not-allowed",
                    "not-acceptable", "uri-too-long", "unsupported-media-type", "headers-too-large" -> BadRequestException::new;
            case "bad-session" -> BadSessionException::new;
            case "value-too-large" -> ValueTooLargeException::new;
            case "unauthenticated" -> UnauthenticatedException::new;
            case "forbidden" -> ForbiddenException::new;
            case "not-found" -> NotFoundException::new;
            case "precondition-failed" -> PreconditionFailedException::new;
            case "idempotency-key-reused" -> IdempotencyKeyReusedException::new;
            case "rate-limited" -> RateLimitedException::new;
            case "unavailable" -> UnavailableException::new;
            case "session-behind" -> SessionBehindException::new;
            case "outcome-unknown" -> OutcomeUnknownException::new;
            case "no-instance" -> NoInstanceException::new;
            case "internal" -> InternalErrorException::new;
            default -> null;
        });
    }

    /**
     * An answer that is no known captier problem. A bare 404 or 412 is deliberately not
     * {@link NotFoundException} / {@link PreconditionFailedException}: those promise what the
     * service said about the key, and a wrong URL must not read as an absent key.
     */
    private static Optional<Function<ProblemDetails, CaptierException>> byStatus(int status) {
        return Optional.ofNullable(switch (status) {
            case 401 -> UnauthenticatedException::new;
            case 403 -> ForbiddenException::new;
            case 413 -> ValueTooLargeException::new;
            case 429 -> RateLimitedException::new;
            // A gateway's own error: no instance gave an answer, so a write's outcome is open.
            case 502, 503, 504 -> NoInstanceException::new;
            default -> status >= 400 && status < 500 && status != 404 && status != 412 ? BadRequestException::new
                    : status >= 500 ? InternalErrorException::new : null;
        });
    }

    private static ObjectNode parse(byte[] body) {
        if (body != null && body.length > 0) {
            try {
                JsonNode node = Json.MAPPER.readTree(body);
                if (node instanceof ObjectNode object) {
                    return object;
                }
            } catch (IOException e) {
                // not JSON: a gateway's page; the status decides
            }
        }
        return Json.MAPPER.createObjectNode();
    }
}
