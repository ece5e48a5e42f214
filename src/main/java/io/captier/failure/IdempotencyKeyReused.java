package io.captier.failure;

/**
 * The Idempotency-Key was already used for a different request (docs/architecture.md C4, A8): 422, and
 * nothing was written.
 */
public final class IdempotencyKeyReused extends RequestRejectedException {

    public IdempotencyKeyReused() {
        super("Idempotency-Key was already used for a different request");
    }
}
