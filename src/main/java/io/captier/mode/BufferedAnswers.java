package io.captier.mode;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.store.IdempotencyKey;
import io.captier.store.Replay;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The answers this instance gave to keyed writes it buffered on the Redis stream, the most
 * recent {@value #CAPACITY}: a retry on this instance while Redis cannot be asked still
 * finds its first attempt there, where the Redis record would have said it
 * (docs/decisions.md, Buffers: "A retry that cannot ask Redis goes to the hint log"). In
 * memory only: a restart forgets them, and such a retry is then taken blind.
 */
final class BufferedAnswers {

    static final int CAPACITY = 10_000;

    private record Held(String fingerprint, Replay answer) {
    }

    private final Map<String, Held> byKey = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
            return size() > CAPACITY;
        }
    };

    /** The answer a keyed write buffered on the stream was given (version, origin, durability). */
    synchronized void remember(IdempotencyKey idempotency, Replay answer) {
        byKey.put(idempotency.key(), new Held(idempotency.fingerprint(), answer));
    }

    /**
     * @return the first attempt's answer, if this instance buffered one with this key
     * @throws IdempotencyKeyReused that attempt was another request
     */
    synchronized Optional<Replay> find(IdempotencyKey idempotency) {
        Held held = byKey.get(idempotency.key());
        if (held == null) {
            return Optional.empty();
        }
        if (idempotency.conflictsWith(held.fingerprint())) {
            throw new IdempotencyKeyReused();
        }
        return Optional.of(held.answer());
    }
}
