package io.captier.client.cli;

/** A mistake in how the CLI was called that picocli cannot see: no API key, an unreadable file. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
