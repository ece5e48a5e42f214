package io.captier.client;

/**
 * 503 {@code session-behind}: an available read carried a session token, and every source
 * that could be reached holds something older than the session has already seen
 * (README "API"). The service answers this rather than an older value; retry a little
 * later or on another instance. Retried by the client.
 */
public class SessionBehindException extends UnavailableException {

    SessionBehindException(ProblemDetails problem) {
        super(problem);
    }
}
