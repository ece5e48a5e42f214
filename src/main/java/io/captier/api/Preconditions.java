package io.captier.api;

import io.captier.store.Precondition;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Conditional requests (DESIGN C5, RFC 9110 section 13.1) as captier reads them: a
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
     * @param ifMatch     the If-Match header, or null
     * @param ifNoneMatch the If-None-Match header, or null
     * @return the precondition, or empty when the write is unconditional
     * @throws Problem.ProblemException {@code bad-header} for a precondition captier does not take
     */
    static Optional<Precondition> of(String ifMatch, String ifNoneMatch) {
        if (ifMatch != null && ifNoneMatch != null) {
            throw bad("send If-Match or If-None-Match, not both");
        }
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.trim().equals("*")) {
                throw bad("a write takes If-None-Match: * (create only), nothing else");
            }
            return Optional.of(new Precondition.Absent());
        }
        if (ifMatch == null) {
            return Optional.empty();
        }
        String tag = ifMatch.trim();
        if (tag.equals("*")) {
            return Optional.of(new Precondition.Exists());
        }
        Matcher m = STRONG_TAG.matcher(tag);
        if (!m.matches()) {
            throw bad("If-Match takes one strong entity tag, \"<version>\", or *");
        }
        try {
            return Optional.of(new Precondition.VersionIs(Long.parseLong(m.group(1))));
        } catch (NumberFormatException tooLarge) {
            throw bad("If-Match names no version captier could have given");
        }
    }

    private static Problem.ProblemException bad(String detail) {
        return Problem.of(ProblemType.BAD_HEADER, detail).exception();
    }
}
