package io.captier.client;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;

/**
 * No answer came: the connection could not be made, was dropped, or the request timed
 * out. {@link #status()} is 0 and {@link #getCause()} the I/O failure. A read throws this
 * after its last attempt; a write that may have reached the service throws
 * {@link OutcomeUnknownException} instead, with this as its cause.
 */
public class ConnectionFailedException extends CaptierException {

    private final boolean requestMaybeSent;
    private final boolean retryable;

    ConnectionFailedException(String detail, Throwable cause, boolean requestMaybeSent, boolean retryable) {
        super(ProblemDetails.local(0, null, "No answer from captier", detail), cause);
        this.requestMaybeSent = requestMaybeSent;
        this.retryable = retryable;
    }

    /**
     * The failure of one attempt, classified by what it says about the request.
     *
     * @param e        the I/O failure
     * @param endpoint where the request went, for the message
     */
    static ConnectionFailedException of(IOException e, URI endpoint) {
        // Refused or not connected in time: the request never left. A failed TLS handshake
        // neither, and trying again will not change the certificate.
        boolean notSent = e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                || e instanceof SSLHandshakeException;
        String what = (e instanceof SSLHandshakeException ? "the TLS handshake with " + origin(endpoint)
                + " failed (is its certificate trusted? --insecure-ca FILE / PemTrust)"
                : notSent ? "could not connect to " + origin(endpoint) : "no answer from " + origin(endpoint))
                + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
        return new ConnectionFailedException(what, e, !notSent, !(e instanceof SSLHandshakeException));
    }

    private static String origin(URI endpoint) {
        return endpoint.getScheme() + "://" + endpoint.getRawAuthority();
    }

    /**
     * @return true when the request may have reached the service before the failure (the
     *         connection was made): a write's outcome is then unknown
     */
    public boolean requestMaybeSent() {
        return requestMaybeSent;
    }

    /**
     * @return true unless the failure is one more attempts cannot fix (a TLS handshake
     *         failure, an interrupt)
     */
    @Override
    public boolean retryable() {
        return retryable;
    }
}
