package io.captier.store;

import java.util.Arrays;

/**
 * One versioned value of a key as a store holds it. A delete is an entry too: a
 * tombstone ({@code deleted}) with a version, so it reconciles like any write.
 *
 * @param origin the instance that issued the version: the last-writer-wins tie-break
 */
public record Entry(String key, byte[] value, String contentType, long version, String origin, boolean deleted) {

    public static Entry tombstone(String key, long version, String origin) {
        return new Entry(key, null, null, version, origin, true);
    }

    /** The same write under the version a store gave it. */
    public Entry withVersion(long newVersion) {
        return new Entry(key, value, contentType, newVersion, origin, deleted);
    }

    /** Last-writer-wins order (docs/architecture.md A6): higher version wins, ties go to the higher origin. */
    public boolean supersedes(Entry other) {
        if (other == null) {
            return true;
        }
        if (version != other.version) {
            return version > other.version;
        }
        return origin.compareTo(other.origin) > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && key.equals(e.key) && Arrays.equals(value, e.value)
                && java.util.Objects.equals(contentType, e.contentType) && version == e.version
                && origin.equals(e.origin) && deleted == e.deleted;
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Long.hashCode(version);
    }

    @Override
    public String toString() {
        return "Entry[" + key + " v" + version + " from " + origin + (deleted ? " deleted" : "") + "]";
    }
}
