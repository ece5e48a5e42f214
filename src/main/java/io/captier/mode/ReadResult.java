package io.captier.mode;

import io.captier.store.Entry;
import io.captier.store.Source;

import java.util.Optional;

/**
 * A read's answer: the entry found (a tombstone reads as not found, with its version),
 * where it came from, and how stale it may be at most.
 *
 * @param stale the staleness exceeds MAX_STALENESS_MS: no fresher source could answer
 */
public record ReadResult(String key, Optional<Entry> entry, Source source, long stalenessMs, boolean stale) {

    public boolean found() {
        return entry.isPresent() && !entry.get().deleted();
    }
}
