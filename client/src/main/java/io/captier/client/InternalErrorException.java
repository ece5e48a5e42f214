package io.captier.client;

/**
 * 500 {@code internal} (or another 5xx that is no captier problem): the service failed in a
 * way it did not foresee. Not retried by the client: for a write the outcome is not known.
 */
public class InternalErrorException extends CaptierException {

    InternalErrorException(ProblemDetails problem) {
        super(problem);
    }
}
