package io.captier.api;

import io.captier.observability.LogEvent;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * One {@code WRITE} line per write or delete (README, "Operations"), on its own logger category
 * ({@code captier.audit}) so operators can route it, with the operation, key, the API key's
 * name, status, and the version and durability — or why it was refused and whether it may
 * have been applied — as fields ({@link LogEvent}). A key that failed validation is not
 * shown (it may hold anything), only its length.
 */
final class AuditLog {

    private static final Logger AUDIT = Logger.getLogger("captier.audit");

    private AuditLog() {
    }

    /**
     * @param segment the key's path segment as routed (still percent-encoded)
     * @param caller  the name of the API key the request was let in with
     */
    static void write(String operation, String segment, String caller, Response response) {
        Object entity = response.getEntity();
        Map<?, ?> body = entity instanceof Map<?, ?> m ? m : Map.of();
        LogEvent event = LogEvent.of("WRITE").with(LogEvent.OPERATION, operation).with(LogEvent.USER, caller)
                .with(LogEvent.STATUS, response.getStatus());
        try {
            event.with(LogEvent.KEY, Keys.fromSegment(segment));
        } catch (Problem.ProblemException invalid) {
            event.with(LogEvent.INVALID_KEY_LENGTH, segment == null ? 0 : segment.length());
        }
        if (response.getStatus() < 300) {
            event.with(LogEvent.OUTCOME, "success").with(LogEvent.VERSION, body.get("version"))
                    .with(LogEvent.DURABILITY, body.get("durability"))
                    .with(LogEvent.REPLAYED, Boolean.TRUE.equals(body.get("replayed")) ? "true" : null)
                    .info(AUDIT, operation + " acknowledged");
        } else {
            // A refusal applied nothing, unless its outcome is unknown (a commit whose answer was lost).
            boolean unknown = "unknown".equals(body.get("outcome"));
            event.with(LogEvent.OUTCOME, unknown ? "unknown" : "failure").with(LogEvent.REASON, slug(body.get("type")))
                    .info(AUDIT, operation + (unknown ? " outcome unknown" : " refused"));
        }
    }

    /** {@code bad-key} of {@code urn:captier:problem:bad-key}. */
    private static String slug(Object type) {
        return type == null ? null : type.toString().substring(type.toString().lastIndexOf(':') + 1);
    }
}
