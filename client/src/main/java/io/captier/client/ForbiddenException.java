package io.captier.client;

/**
 * 403 {@code forbidden}: the API key is valid but lacks the role for this call:
 * {@code read} for reads, {@code /nodes} and {@code /circuit-breaker}, {@code write} for
 * writes and deletes (README "Authentication"). Nothing was done.
 */
public class ForbiddenException extends CaptierException {

    ForbiddenException(ProblemDetails problem) {
        super(problem);
    }
}
