package io.captier.store;

import java.util.Optional;

/**
 * A conditional write's precondition (docs/architecture.md C5; RFC 9110 section 13.1): checked against
 * the key's row on the PostgreSQL primary in the transaction that writes it.
 */
public sealed interface Precondition {

    /** {@code If-Match: "<version>"}: the key holds a value of exactly this version. */
    record VersionIs(long version) implements Precondition {
    }

    /** {@code If-Match: *}: the key holds a value (not absent, not a tombstone). */
    record Exists() implements Precondition {
    }

    /** {@code If-None-Match: *}: the key holds no value (absent, or a tombstone): create only. */
    record Absent() implements Precondition {
    }

    /**
     * @param liveVersion the version of the value the key holds now, or empty when it holds none
     * @return whether the write may go ahead
     */
    default boolean holds(Optional<Long> liveVersion) {
        if (this instanceof VersionIs v) {
            return liveVersion.isPresent() && liveVersion.get() == v.version();
        }
        return this instanceof Exists ? liveVersion.isPresent() : liveVersion.isEmpty();
    }
}
