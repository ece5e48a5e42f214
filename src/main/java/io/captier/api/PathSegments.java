package io.captier.api;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Decodes one path segment exactly as the router captured it ({@code @Encoded
 * @PathParam}): every {@code %XX} is one byte (RFC 3986 section 2.1), every other
 * character is itself, and the bytes must be valid UTF-8 (RFC 3629): stray bytes,
 * truncated sequences, overlong forms and encoded surrogates are refused, never turned
 * into U+FFFD. {@code +} is a plus sign: only forms, not paths, use it for a space. A
 * character that is not visible ASCII never reaches here ({@link RequestTarget} refuses
 * it), and is refused here too.
 */
final class PathSegments {

    private PathSegments() {
    }

    /**
     * @param encoded the segment as captured by the router, still percent-encoded
     * @return the decoded text, or empty when it is not valid percent-encoded UTF-8
     */
    static Optional<String> decode(String encoded) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                if (i + 2 >= encoded.length()) {
                    return Optional.empty();
                }
                int high = Character.digit(encoded.charAt(i + 1), 16);
                int low = Character.digit(encoded.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return Optional.empty();
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else if (c > 0x20 && c < 0x7f) {
                bytes.write(c);
            } else {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
