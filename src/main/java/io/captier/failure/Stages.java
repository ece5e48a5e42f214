package io.captier.failure;

import java.util.concurrent.CompletionException;

/** How a failed {@link java.util.concurrent.CompletionStage} reports what failed. */
public final class Stages {

    private Stages() {
    }

    /**
     * The failure a stage's callback sees, as the call that failed threw it: a stage built
     * with {@code thenApply}/{@code thenCompose} wraps it in a {@link CompletionException}.
     *
     * @param failure what {@code handle}/{@code whenComplete} was given (not null)
     * @return the wrapped cause, or {@code failure} itself when it wraps nothing
     */
    public static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
