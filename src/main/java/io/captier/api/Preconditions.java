package io.captier.api;

import io.captier.store.Precondition;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Conditional requests (docs/architecture.md C5, RFC 9110 section 13.1) as captier reads them: a
 * version's entity tag is the decimal version in quotes, a strong tag. A write takes one
 * precondition: {@code If-Match: "<version>"} (the value has that version), {@code If-Match: *}
 * (the key holds a value) or {@code If-None-Match: *} (it holds none). Anything else
 * (a weak tag, a list, both headers, an If-None-Match with a tag) is 400 {@code bad-header}:
 * a write cannot be conditional on a condition captier would not check exactly.
 */
final class Preconditions {

    private static final Pattern STRONG_TAG = Pattern.compile("\"([0-9]{1,20})\"");

    private Preconditions() {
    }

    /** The entity tag of a version: {@code "<version>"}. */
    static String etag(long version) {
        return "\"" + version + "\"";
    }

    /**
     * Reads the precondition from the raw header lines, so that what the HTTP layer would
     * fold away cannot turn a conditional write into a plain one: an empty line (a shell's
     * unset variable: {@code If-Match: $V}) and a repeated line (which RFC 9110 5.3 makes a
     * list) are refused like any other malformed precondition.
     *
     * @param ifMatch     every If-Match line of the request as sent (empty when none)
     * @param ifNoneMatch every If-None-Match line (empty when none)
     * @return the precondition, or empty when the write is unconditional (neither header sent)
     * @throws Problem.ProblemException {@code bad-header} for a precondition captier does not take
     */
    static Optional<Precondition> of(List<String> ifMatch, List<String> ifNoneMatch) {
        if (!ifMatch.isEmpty() && !ifNoneMatch.isEmpty()) {
            throw bad("send If-Match or If-None-Match, not both");
        }
        if (ifMatch.size() > 1 || ifNoneMatch.size() > 1) {
            throw bad("send one precondition line: a repeated header is a list, and a write takes one condition");
        }
        if (!ifNoneMatch.isEmpty()) {
            if (!ifNoneMatch.get(0).trim().equals("*")) {
                throw bad("a write takes If-None-Match: * (create only), nothing else");
            }
            return Optional.of(new Precondition.Absent());
        }
        if (ifMatch.isEmpty()) {
            return Optional.empty();
        }
        String tag = ifMatch.get(0).trim();
        if (tag.equals("*")) {
            return Optional.of(new Precondition.Exists());
        }
        Matcher m = STRONG_TAG.matcher(tag);
        if (!m.matches()) {
            throw bad("If-Match takes one strong entity tag, \"<version>\", or *");
        }
        String digits = m.group(1);
        try {
            // Tags compare as strings (RFC 9110 8.8.3.2): only the decimal form captier
            // gives can name a version, not "0042" or "+42".
            long version = Long.parseLong(digits);
            if (version <= 0 || !etag(version).equals(tag)) {
                throw bad("If-Match names no version captier could have given");
            }
            return Optional.of(new Precondition.VersionIs(version));
        } catch (NumberFormatException tooLarge) {
            throw bad("If-Match names no version captier could have given");
        }
    }

    private static Problem.ProblemException bad(String detail) {
        return Problem.of(ProblemType.BAD_HEADER, detail).exception();
    }
}
