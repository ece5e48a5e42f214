package io.captier.drill.history;

/**
 * The condition a compare-and-set write or delete was sent with (docs/architecture.md C5; the headers
 * are RFC 9110 section 13.1): it is applied only if the key's state at that instant
 * satisfies it. "Holds a value" means a live value: a key never written and a tombstone
 * both hold none.
 *
 * @param match           which of the three forms was sent
 * @param expectedVersion for {@link Match#VERSION}: the version in {@code If-Match: "<v>"}
 *                        (the decimal HLC of an earlier read or write, as its ETag said);
 *                        0 for the other two forms
 */
public record Precondition(Match match, long expectedVersion) {

    /** The problem type of a 412 answer: the condition was false and nothing changed. */
    public static final String FAILED_PROBLEM = "urn:captier:problem:precondition-failed";

    /** The three forms the service accepts; anything else is 400 {@code bad-header}. */
    public enum Match {
        /** {@code If-Match: "<v>"}: the key holds a value of exactly version {@code v} (RFC 9110 13.1.1). */
        VERSION,
        /** {@code If-Match: *}: the key holds a value, any version (RFC 9110 13.1.1). */
        ANY,
        /** {@code If-None-Match: *}: the key holds no value, a create (RFC 9110 13.1.2). */
        NONE
    }

    public Precondition {
        if (match == null) {
            throw new IllegalArgumentException("match");
        }
        if ((match == Match.VERSION) != (expectedVersion != 0)) {
            throw new IllegalArgumentException(match + " with expected version " + expectedVersion);
        }
    }

    /** {@code If-Match: "<version>"}; {@code version} must not be 0 (no write has version 0). */
    public static Precondition ifMatch(long version) {
        return new Precondition(Match.VERSION, version);
    }

    /** {@code If-Match: *}. */
    public static Precondition ifMatchAny() {
        return new Precondition(Match.ANY, 0);
    }

    /** {@code If-None-Match: *}. */
    public static Precondition ifNoneMatch() {
        return new Precondition(Match.NONE, 0);
    }

    /**
     * Does a key in this state satisfy the condition?
     *
     * @param holdsValue the key holds a live value (not absent, not a tombstone)
     * @param version    that value's version; ignored when it holds none
     */
    public boolean holds(boolean holdsValue, long version) {
        return switch (match) {
            case VERSION -> holdsValue && version == expectedVersion;
            case ANY -> holdsValue;
            case NONE -> !holdsValue;
        };
    }

    /** The request header's name: {@code If-Match} or {@code If-None-Match}. */
    public String headerName() {
        return match == Match.NONE ? "If-None-Match" : "If-Match";
    }

    /** The request header's value: a strong entity tag (RFC 9110 8.8.3) or {@code *}. */
    public String headerValue() {
        return match == Match.VERSION ? "\"" + expectedVersion + "\"" : "*";
    }

    @Override
    public String toString() {
        return headerName() + ": " + headerValue();
    }
}
