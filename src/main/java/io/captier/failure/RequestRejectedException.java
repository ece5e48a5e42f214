package io.captier.failure;

/**
 * The store answered, and the answer is no for this request (for example an
 * Idempotency-Key reused for a different request). Not a store fault: circuit breakers
 * don't count it.
 */
public abstract class RequestRejectedException extends RuntimeException {

    protected RequestRejectedException(String message) {
        super(message, null, false, false);
    }
}
