package io.captier.store.local;

import io.captier.store.Entry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The instance's own memory of the newest entry it has read or written per key: the last
 * source of docs/architecture.md A2, for when no store can be reached. Bounded (least recently used
 * keys go first); it only ever moves forward in version.
 */
@ApplicationScoped
public class LastKnownCache {

    static final int CAPACITY = 10_000;

    /** An entry and how stale it was when learnt ({@code knownAtMs}: {@link io.captier.version.MonotonicClock} ms): it ages from there. */
    public record Known(Entry entry, long knownAtMs, long stalenessAtKnownMs) {
        public long stalenessAt(long now) {
            return stalenessAtKnownMs + Math.max(0, now - knownAtMs);
        }
    }

    private final Map<String, Known> known = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > CAPACITY;
        }
    };

    /**
     * @param now when {@code stalenessMs} held ({@link io.captier.version.MonotonicClock} ms; for an
     *            entry read: when the source's bound was taken)
     */
    public synchronized void remember(Entry entry, long stalenessMs, long now) {
        Known before = known.get(entry.key());
        if (before == null || entry.supersedes(before.entry())) {
            known.put(entry.key(), new Known(entry, now, stalenessMs));
        } else if (before.entry().version() == entry.version() && before.stalenessAt(now) > stalenessMs) {
            // Same version confirmed fresher: the bound tightens.
            known.put(entry.key(), new Known(before.entry(), now, stalenessMs));
        }
    }

    public synchronized Optional<Known> get(String key) {
        return Optional.ofNullable(known.get(key));
    }
}
