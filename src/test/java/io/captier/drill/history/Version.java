package io.captier.drill.history;

import java.util.Comparator;

/**
 * A write's place in last-writer-wins order (docs/architecture.md A6): the HLC version, ties broken by
 * the instance that issued it. Versions from different instances compare as plain longs.
 *
 * <p>A read answer carries no origin, so {@code origin} may be null. Two versions with the
 * same HLC value where either origin is unknown are treated as the same write: neither
 * supersedes the other. That keeps checkers from inventing a violation out of a tie they
 * cannot see (two instances issuing the same HLC value is rare: same millisecond and
 * counter).
 *
 * @param value  the HLC value, 48 bits of wall-clock milliseconds and 16 of counter; 0 = none
 * @param origin the instance id that issued it, or null when unknown
 */
public record Version(long value, String origin) {

    /** No version at all: a key never written, or a read that found nothing. */
    public static final Version NONE = new Version(0, null);

    /**
     * The one "supersedes" order: (version, origin) lexicographic, an unknown origin first.
     * For sorting and maxima; use {@link #supersedes} to decide whether one write replaces another.
     */
    public static final Comparator<Version> SUPERSEDES_ORDER = Comparator.comparingLong(Version::value)
            .thenComparing(Version::origin, Comparator.nullsFirst(Comparator.naturalOrder()));

    /** Would last-writer-wins replace {@code other} by this? Unknown origins never decide a tie. */
    public boolean supersedes(Version other) {
        if (value != other.value) {
            return value > other.value;
        }
        return origin != null && other.origin != null && origin.compareTo(other.origin) > 0;
    }

    /** This is {@code other} or newer: what "has seen {@code other}" means. */
    public boolean atLeast(Version other) {
        return !other.supersedes(this);
    }

    public static Version max(Version a, Version b) {
        return SUPERSEDES_ORDER.compare(a, b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return value + (origin == null ? "" : "@" + origin);
    }
}
