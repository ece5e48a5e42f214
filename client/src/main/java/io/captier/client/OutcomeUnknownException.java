package io.captier.client;

/**
 * A write that may or may not have been applied (docs/architecture.md C4): the service's 503
 * {@code outcome-unknown} ({@code "outcome":"unknown"}: the commit's answer was lost), or,
 * thrown by the client itself, a write whose attempts ended without a definite answer after
 * one of them may have reached the service (a dropped connection, a timeout, a 502
 * {@code no-instance}); then {@link #getCause()} is the last attempt's failure and
 * {@link #status()} its status.
 *
 * <p>The client retries such a write with the same {@code Idempotency-Key}, which the service
 * applies at most once and answers with the first answer (README "API"). When the
 * attempts run out, send it again later with {@link #idempotencyKey()}
 * ({@link WriteOptions#withIdempotencyKey(String)}) to learn the outcome, or read the key.
 */
public class OutcomeUnknownException extends CaptierException {

    OutcomeUnknownException(ProblemDetails problem) {
        super(problem);
    }

    private OutcomeUnknownException(ProblemDetails problem, CaptierException cause) {
        super(problem, cause);
    }

    /**
     * The client's own verdict on a write whose last failure left its outcome open.
     *
     * @param last the last attempt's failure
     */
    static OutcomeUnknownException after(CaptierException last) {
        ProblemDetails p = ProblemDetails.local(last.status(), "outcome-unknown",
                "The write may or may not have been applied",
                "an attempt may have reached the service without an answer, and the last one ended with: "
                        + last.getMessage() + "; send it again with the same Idempotency-Key to learn the outcome");
        return new OutcomeUnknownException(new ProblemDetails(p.status(), p.type(), p.title(), p.detail(), p.body(),
                last.retryAfter()), last);
    }

    /** @return true: sent again with the same Idempotency-Key, the write is applied at most once */
    @Override
    public boolean retryable() {
        return true;
    }
}
