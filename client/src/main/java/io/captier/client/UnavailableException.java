package io.captier.client;

import java.util.Optional;

/**
 * 503 {@code unavailable}: the profile's contract cannot be kept now (README "API";
 * docs/architecture.md C3): the consistent profile cannot reach the PostgreSQL primary, an available read found
 * no source within {@code X-Max-Staleness-Ms}, or a conditional write on the available
 * profile could not reach the primary. Nothing was changed: a write says
 * {@code "outcome":"not-applied"}. {@link #retryAfter()} says when to come back. Retried by
 * the client.
 */
public class UnavailableException extends CaptierException {

    UnavailableException(ProblemDetails problem) {
        super(problem);
    }

    /**
     * @return the problem's {@code outcome} member: {@code "not-applied"} for a write, empty
     *         for a read
     */
    public Optional<String> outcome() {
        return member("outcome").map(v -> v.asText());
    }

    /** @return true: nothing was changed, so the request may be sent again */
    @Override
    public boolean retryable() {
        return true;
    }
}
