package io.captier.client;

/**
 * 401 {@code unauthenticated}: no API key, or one the service does not know (README
 * "Authentication"). Nothing was done.
 */
public class UnauthenticatedException extends CaptierException {

    UnauthenticatedException(ProblemDetails problem) {
        super(problem);
    }
}
