package io.captier.drill.history;

/**
 * What a 412 {@code precondition-failed} answer said about the key (docs/architecture.md C5): the
 * condition was false at one instant within the request, and at that instant the key was
 * as described here. Nothing was changed.
 *
 * @param exists         the answer's {@code "exists"}: the key held a live value
 * @param currentVersion the answer's {@code "current_version"}: that value's version, or 0
 *                       when the answer gave none ({@code null}: the key held no value)
 */
public record Mismatch(boolean exists, long currentVersion) {

    /** Does a key in this state look like what the answer described? */
    public boolean describes(boolean holdsValue, long version) {
        if (exists != holdsValue) {
            return false;
        }
        // A live value with no version given says only that it existed. A tombstone's
        // version is not compared: the answer says null for "no value" (absent or tombstone).
        return !exists || currentVersion == 0 || currentVersion == version;
    }

    @Override
    public String toString() {
        return exists ? "current " + (currentVersion == 0 ? "a value" : "v" + currentVersion) : "current none";
    }
}
