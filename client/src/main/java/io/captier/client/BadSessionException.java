package io.captier.client;

/**
 * 400 {@code bad-session}: the session token sent was forged, tampered with, truncated, or
 * issued to another API key (README "API"). The client sends only tokens it received, so
 * this follows a change of the service's signing secret or of the key: call
 * {@link CaptierClient#resetSession()} to start a new session, knowing that read-your-writes
 * and monotonic reads then restart from nothing.
 */
public class BadSessionException extends BadRequestException {

    BadSessionException(ProblemDetails problem) {
        super(problem);
    }
}
