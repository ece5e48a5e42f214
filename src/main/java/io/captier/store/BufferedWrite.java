package io.captier.store;

import java.util.Optional;

/**
 * A write waiting in a buffer (the Redis pending stream, a hint log) to be reconciled
 * into PostgreSQL: the entry, and the Idempotency-Key it was sent with, which goes along
 * so that reconciliation applies the key once (docs/architecture.md A5, A8).
 */
public record BufferedWrite(Entry entry, Optional<IdempotencyKey> idempotency) {

    public static BufferedWrite of(Entry entry) {
        return new BufferedWrite(entry, Optional.empty());
    }
}
