package io.captier.client;

/**
 * 422 {@code idempotency-key-reused}: the {@code Idempotency-Key} was first used for a
 * different request (README "API"). Nothing was done; the first request stands.
 */
public class IdempotencyKeyReusedException extends CaptierException {

    IdempotencyKeyReusedException(ProblemDetails problem) {
        super(problem);
    }
}
