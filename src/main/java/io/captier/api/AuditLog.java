package io.captier.api;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * One line per write or delete (DESIGN section 6), on its own logger category
 * ({@code captier.audit}) so operators can route it: operation, key, the API key's name,
 * status, and the version and durability — or the outcome when it failed. A key that
 * failed validation is not echoed (it may hold anything), only its length.
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
        String shownKey;
        try {
            shownKey = '"' + Keys.fromSegment(segment).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        } catch (Problem.ProblemException invalid) {
            shownKey = "<invalid, " + (segment == null ? 0 : segment.length()) + " chars>";
        }
        if (response.getStatus() < 300) {
            AUDIT.infof("WRITE op=%s key=%s by=%s status=%d version=%s durability=%s%s", operation, shownKey,
                    caller, response.getStatus(), body.get("version"), body.get("durability"),
                    Boolean.TRUE.equals(body.get("replayed")) ? " replayed=true" : "");
        } else {
            AUDIT.infof("WRITE op=%s key=%s by=%s status=%d refused=%s outcome=%s", operation, shownKey,
                    caller, response.getStatus(), body.get("type"), body.get("outcome") == null ? "not-applied" : body.get("outcome"));
        }
    }
}
