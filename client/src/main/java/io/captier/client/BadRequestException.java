package io.captier.client;

/**
 * The service refused the request as malformed, and changed nothing: {@code bad-key},
 * {@code bad-path}, {@code bad-header}, {@code bad-request}, {@code no-such-resource},
 * {@code method-not-allowed} (405), {@code not-acceptable} (406), {@code uri-too-long}
 * (414), {@code unsupported-media-type} (415), {@code headers-too-large} (431), and the
 * subclasses {@link BadSessionException} and {@link ValueTooLargeException} (README "API").
 * Sending it again gives the same answer.
 */
public class BadRequestException extends CaptierException {

    BadRequestException(ProblemDetails problem) {
        super(problem);
    }
}
