package io.captier.session;

/**
 * A session token that this deployment did not issue or that did not survive the trip:
 * forged, tampered, truncated, oversized or signed with another secret. The message is a
 * short fixed reason; it never carries the token text, the secret or a decoder's message
 * (those can quote the offending input), so it is safe to log and to return to the client.
 */
public class InvalidSessionTokenException extends RuntimeException {

    public InvalidSessionTokenException(String reason) {
        super(reason);
    }
}
