package io.captier.session;

import io.captier.failure.StoreUnavailableException;

/**
 * An available read that every reachable source would answer with something older than
 * the session has already seen or written (a write buffered on another instance's disk,
 * say). Serving it would break the session's guarantees, so it is refused instead, with
 * its own problem type, so that a client knows to retry, elsewhere or a little later.
 */
public class SessionBehindException extends StoreUnavailableException {

    public SessionBehindException(String message) {
        super(message, null);
    }
}
