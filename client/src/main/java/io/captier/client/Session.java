package io.captier.client;

import java.net.http.HttpHeaders;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client's session (README "API": read-your-writes and monotonic reads across
 * instances): the last {@code X-Session-Token} received, sent back with every read and write.
 *
 * <p>Thread-safe. A token is opaque and signed by the service, so two answers that arrive
 * concurrently cannot be merged: the one received last is kept.
 */
final class Session {

    static final String HEADER = "X-Session-Token";

    private final AtomicReference<String> token;

    Session(String initial) {
        this.token = new AtomicReference<>(blankToNull(initial));
    }

    /** @return the token to send, if one was received (or given) */
    Optional<String> current() {
        return Optional.ofNullable(token.get());
    }

    /** Keeps the answer's token, when it carries one. */
    void receive(HttpHeaders headers) {
        headers.firstValue(HEADER).map(Session::blankToNull).ifPresent(token::set);
    }

    void reset() {
        token.set(null);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
