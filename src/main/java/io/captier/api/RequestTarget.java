package io.captier.api;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Request targets the router could read in more than one way, or not at all, are refused
 * before routing, so that the route, the role it needs and the key it names all come from
 * one reading: the router's.
 *
 * <ul>
 *   <li>A target with a byte that is not visible ASCII: RFC 3986 has every other byte
 *       percent-encoded, and a raw one would be read one way by NGINX and another by Java.</li>
 *   <li>A target that is no URI ({@link URI}, RFC 2396 as Java reads it: a {@code %} not
 *       followed by two hex digits, {@code \ | { } ^ < > "}).
 *       Quarkus makes this check itself and answers an empty 400; captier turns it off
 *       ({@code vertx.disableURIValidation}, set in {@link io.captier.Main}) and makes it
 *       here, answering problem+json.</li>
 *   <li>A raw {@code ;} anywhere in the path ({@link #matrixParameters}): JAX-RS routers drop
 *       matrix parameters ({@code /write;x/a;b/v} is dispatched as {@code /write/a/v}), so
 *       the key the router captured would not be the segment that was sent. No route of ours
 *       takes them; a key holding {@code ;} is sent as {@code %3B}. This one is checked
 *       after the routed method's role check ({@link MatrixParameters}), so that a caller
 *       without a key learns nothing but 401: the route and role do not depend on it.</li>
 *   <li>A target longer than {@value #MAX_CHARS} characters (414). Vert.x's own limit
 *       ({@code quarkus.http.limits.max-initial-line-length}) is set above it, so that up
 *       to there the refusal is ours and problem+json.</li>
 * </ul>
 * Dot segments and empty segments need no refusal here: the router resolves them
 * (RFC 3986 section 5.2.4) and every decision is taken on what it dispatched.
 */
final class RequestTarget {

    /** Longest request target accepted: a 512-byte key fully percent-encoded fits three times over. */
    static final int MAX_CHARS = 4096;

    private RequestTarget() {
    }

    /**
     * @param target the request target as it arrived (origin form {@code /path?query}, or
     *               absolute form), or null
     * @return the problem to answer, or null when the target is unambiguous
     */
    static Problem refusal(String target) {
        if (target == null || target.isEmpty()) {
            return Problem.of(ProblemType.BAD_PATH, "the request has no path");
        }
        if (target.length() > MAX_CHARS) {
            return Problem.of(ProblemType.URI_TOO_LONG, "the request target is " + target.length()
                    + " characters; at most " + MAX_CHARS + " are accepted");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return Problem.of(ProblemType.BAD_PATH, String.format("the request target holds a raw byte 0x%02X "
                        + "at %d; percent-encode it (RFC 3986 section 2.1: UTF-8, then %%XX)", (int) c & 0xff, i));
            }
        }
        try {
            new URI(target);
        } catch (URISyntaxException e) {
            return Problem.of(ProblemType.BAD_PATH, "the request target is not a valid URI (RFC 3986): "
                    + "percent-encode other characters, and follow every '%' with two hex digits");
        }
        return null;
    }

    /**
     * @param path the request's path as it arrived (no query)
     * @return the problem to answer when it carries a raw {@code ;}, else null
     */
    static Problem matrixParameters(String path) {
        return path != null && path.indexOf(';') >= 0
                ? Problem.of(ProblemType.BAD_PATH, "';' is not accepted in a path (matrix parameters); "
                        + "send a ';' in a key as %3B")
                : null;
    }

    /** A target for a log line: at most 200 characters, control characters escaped. */
    static String shown(String target) {
        if (target == null) {
            return "-";
        }
        String cut = target.length() > 200 ? target.substring(0, 200) + "..." : target;
        StringBuilder shown = new StringBuilder(cut.length());
        cut.chars().forEach(c -> shown.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : (char) c));
        return shown.toString();
    }
}
