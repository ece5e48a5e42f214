package io.captier.client.cli;

import io.captier.client.CaptierClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A value given on the command line: the argument as UTF-8 text, or standard input's bytes
 * when the argument is {@code -} or missing.
 *
 * @param bytes       the value
 * @param contentType the content type to send it with
 */
record Values(byte[] bytes, String contentType) {

    static Values of(String argument, String contentType, InputStream stdin) {
        if (argument == null || argument.equals("-")) {
            try {
                return new Values(stdin.readAllBytes(), contentType != null ? contentType : "application/octet-stream");
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException("cannot read the value from standard input: " + e.getMessage(), e));
            }
        }
        return new Values(argument.getBytes(StandardCharsets.UTF_8), contentType != null ? contentType : CaptierClient.TEXT_UTF8);
    }
}
