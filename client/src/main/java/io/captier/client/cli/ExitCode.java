package io.captier.client.cli;

import io.captier.client.BadRequestException;
import io.captier.client.ConnectionFailedException;
import io.captier.client.ForbiddenException;
import io.captier.client.IdempotencyKeyReusedException;
import io.captier.client.NoInstanceException;
import io.captier.client.NotFoundException;
import io.captier.client.OutcomeUnknownException;
import io.captier.client.PreconditionFailedException;
import io.captier.client.RateLimitedException;
import io.captier.client.UnauthenticatedException;
import io.captier.client.UnavailableException;

/**
 * The CLI's exit codes, one per kind of outcome, so scripts can branch without parsing text.
 * Listed in {@code captier --help} and client/README.md.
 */
public final class ExitCode {

    /** 0: done. */
    public static final int OK = 0;
    /** 1: usage error, or the service refused the request as malformed (400-family, 413, 422). */
    public static final int USAGE = 1;
    /** 2: the key has no value (404 not-found). */
    public static final int NOT_FOUND = 2;
    /** 3: a compare-and-set's precondition does not hold (412 precondition-failed). */
    public static final int PRECONDITION_FAILED = 3;
    /** 4: no valid API key (401), or it lacks the role (403). */
    public static final int AUTH = 4;
    /** 5: unavailable, session-behind, outcome unknown, no instance (502), or no answer at all (retries exhausted). */
    public static final int UNAVAILABLE = 5;
    /** 6: rate limited (429). */
    public static final int RATE_LIMITED = 6;
    /** 7: any other error (500 internal, an unknown problem, a malformed answer, a failed TLS handshake). */
    public static final int OTHER = 7;

    private ExitCode() {
    }

    /**
     * @param failure what a command threw
     * @return its exit code
     */
    public static int of(Throwable failure) {
        if (failure instanceof NotFoundException) {
            return NOT_FOUND;
        }
        if (failure instanceof PreconditionFailedException) {
            return PRECONDITION_FAILED;
        }
        if (failure instanceof UnauthenticatedException || failure instanceof ForbiddenException) {
            return AUTH;
        }
        // No answer is "unavailable" only when more attempts could help: a TLS handshake the
        // certificate fails is a configuration error (7), as is an interrupt.
        if (failure instanceof UnavailableException || failure instanceof OutcomeUnknownException
                || failure instanceof NoInstanceException
                || failure instanceof ConnectionFailedException c && c.retryable()) {
            return UNAVAILABLE;
        }
        if (failure instanceof RateLimitedException) {
            return RATE_LIMITED;
        }
        if (failure instanceof BadRequestException || failure instanceof IdempotencyKeyReusedException
                || failure instanceof IllegalArgumentException || failure instanceof UsageException) {
            return USAGE;
        }
        return OTHER;
    }
}
