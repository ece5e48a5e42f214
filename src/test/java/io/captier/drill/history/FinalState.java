package io.captier.drill.history;

import java.util.Objects;

/**
 * A key as PostgreSQL holds it after heal and reconciliation, read directly from the
 * primary's {@code kv} table. A key with no row at all is {@link #absent}: version 0, no
 * origin. A tombstone is a row with {@code deleted} and a version.
 */
public record FinalState(String key, String value, long version, String origin, boolean deleted) {

    public static FinalState absent(String key) {
        return new FinalState(key, null, 0, null, false);
    }

    public static FinalState tombstone(String key, long version, String origin) {
        return new FinalState(key, null, version, origin, true);
    }

    public static FinalState of(String key, String value, long version, String origin) {
        return new FinalState(key, Objects.requireNonNull(value), version, origin, false);
    }

    /** Was there a row (live or tombstone)? */
    public boolean hasRow() {
        return version != 0;
    }

    /** The value a read would return: null for no row and for a tombstone. */
    public String visibleValue() {
        return deleted ? null : value;
    }

    public Version versionStamp() {
        return hasRow() ? new Version(version, origin) : Version.NONE;
    }

    @Override
    public String toString() {
        if (!hasRow()) {
            return "no row";
        }
        return (deleted ? "tombstone" : "'" + value + "'") + " v" + versionStamp();
    }
}
