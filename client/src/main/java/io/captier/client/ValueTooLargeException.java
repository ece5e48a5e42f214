package io.captier.client;

/**
 * 413 {@code value-too-large}: the value is larger than the service's
 * {@code MAX_VALUE_BYTES} (1 MiB by default). Nothing was written.
 */
public class ValueTooLargeException extends BadRequestException {

    ValueTooLargeException(ProblemDetails problem) {
        super(problem);
    }
}
