package io.captier.client;

import java.util.Optional;

/**
 * The condition a write or delete is applied under (RFC 9110 section 13.1; docs/architecture.md C5). The
 * service checks it atomically on the PostgreSQL primary; a mismatch is 412
 * {@link PreconditionFailedException}, and on the available profile a conditional write
 * needs the primary: {@link UnavailableException} when it is unreachable.
 *
 * <p>Immutable.
 */
public final class Precondition {

    private static final Precondition NONE = new Precondition(null, null, "none");
    private static final Precondition EXISTS = new Precondition("If-Match", "*", "exists");
    private static final Precondition ABSENT = new Precondition("If-None-Match", "*", "absent");

    private final String header;
    private final String value;
    private final String description;

    private Precondition(String header, String value, String description) {
        this.header = header;
        this.value = value;
        this.description = description;
    }

    /** @return no condition: the write is applied whatever the key holds */
    public static Precondition none() {
        return NONE;
    }

    /**
     * {@code If-Match: "<version>"}: only if the key's current value has this version.
     *
     * @param version a version as read or written ({@link ReadResult#version()}), positive
     * @return the condition
     * @throws IllegalArgumentException when the version is not positive
     */
    public static Precondition versionMatches(long version) {
        if (version <= 0) {
            throw new IllegalArgumentException("a version is positive, got " + version);
        }
        return new Precondition("If-Match", "\"" + version + "\"", "version " + version);
    }

    /** @return {@code If-Match: *}: only if the key has a value (not never written, not deleted) */
    public static Precondition exists() {
        return EXISTS;
    }

    /** @return {@code If-None-Match: *}: only if the key has no value (never written, or deleted) */
    public static Precondition absent() {
        return ABSENT;
    }

    /** @return the request header that carries the condition, empty for {@link #none()} */
    public Optional<String> headerName() {
        return Optional.ofNullable(header);
    }

    /** @return that header's value ({@code "123"} quoted, or {@code *}), empty for {@link #none()} */
    public Optional<String> headerValue() {
        return Optional.ofNullable(value);
    }

    /** @return "none", "exists", "absent" or "version N" */
    @Override
    public String toString() {
        return description;
    }

    /** @return whether {@code o} is the same condition */
    @Override
    public boolean equals(Object o) {
        return o instanceof Precondition p && description.equals(p.description);
    }

    /** @return a hash consistent with {@link #equals(Object)} */
    @Override
    public int hashCode() {
        return description.hashCode();
    }
}
