package io.captier.client;

/**
 * 502 {@code no-instance} from NGINX: no captier instance of the pool answered in time
 * (also a gateway's own 502, 503 or 504 without a captier problem). A write may or may
 * not have been applied; one sent with an {@code Idempotency-Key} (this client always
 * sends one) is applied at most once, so it is retried with the same key. A write whose
 * outcome stays unknown after the last attempt is thrown as {@link OutcomeUnknownException}
 * with this as its cause; a read throws this.
 */
public class NoInstanceException extends CaptierException {

    NoInstanceException(ProblemDetails problem) {
        super(problem);
    }

    /** @return true: a read changes nothing, and a write is retried with its Idempotency-Key */
    @Override
    public boolean retryable() {
        return true;
    }
}
