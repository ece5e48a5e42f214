package io.captier.client;

/**
 * 429 {@code rate-limited}: too many requests, or too many failed authentications, from
 * this client address (README "Authentication"; NGINX limits too). Nothing was done;
 * {@link #retryAfter()} says when to come back. Retried by the client.
 */
public class RateLimitedException extends CaptierException {

    RateLimitedException(ProblemDetails problem) {
        super(problem);
    }

    /** @return true: nothing was done, so the request may be sent again after {@link #retryAfter()} */
    @Override
    public boolean retryable() {
        return true;
    }
}
