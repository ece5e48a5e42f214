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
 *   <li>A raw {@code ;}, an empty or a dot segment ({@link #ambiguousSegments}): JAX-RS
 *       routers drop matrix parameters ({@code /write;x/a;b/v} is dispatched as
 *       {@code /write/a/v}) and resolve {@code //}, {@code .} and {@code ..} (so
 *       {@code /write/%2e/v} writes the key {@code v}): the key the router captured would not
 *       be the segment that was sent. No route of ours takes them; a key holding {@code ;} is
 *       sent as {@code %3B}. These are checked after the routed method's role check
 *       ({@link PathSyntax}), so that a caller without a key learns nothing but 401: the
 *       route and role do not depend on them.</li>
 *   <li>A target longer than {@value #MAX_CHARS} characters (414). Vert.x's own limit
 *       ({@code quarkus.http.limits.max-initial-line-length}) is set above it, so that up
 *       to there the refusal is ours and problem+json.</li>
 * </ul>
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
     * Segments the router would resolve into another path, or drop: a request that meant one
     * key must not land on another.
     *
     * @param path the request's path as it arrived (no query)
     * @return the problem to answer when the path carries a raw {@code ;} (matrix
     *         parameters), an empty segment ({@code //}, a trailing {@code /}) or a dot segment
     *         ({@code .}, {@code ..}, also as {@code %2e}); else null
     */
    static Problem ambiguousSegments(String path) {
        if (path == null) {
            return null;
        }
        if (path.indexOf(';') >= 0) {
            return Problem.of(ProblemType.BAD_PATH, "';' is not accepted in a path (matrix parameters); "
                    + "send a ';' in a key as %3B");
        }
        String[] segments = path.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i].toLowerCase(java.util.Locale.ROOT);
            if (s.isEmpty() || s.equals(".") || s.equals("..") || s.equals("%2e") || s.equals("%2e%2e")
                    || s.equals(".%2e") || s.equals("%2e.")) {
                return Problem.of(ProblemType.BAD_PATH, "empty and dot segments ('//', a trailing '/', '.', '..') "
                        + "are not accepted: the path would name another key; the keys '.' and '..' cannot be "
                        + "addressed");
            }
        }
        return null;
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
