package io.captier.api;

import java.nio.charset.StandardCharsets;

/**
 * What a key may be (README, "API"): 1 to 512 bytes of UTF-8, no control characters.
 * A key is exactly its path segment, percent-decoded strictly ({@link PathSegments}).
 * Checked before anything touches a store, so a bad key changes nothing.
 */
final class Keys {

    static final int MAX_BYTES = 512;

    private Keys() {
    }

    /**
     * @param segment the key's path segment as the router captured it, still percent-encoded
     * @return the key
     * @throws Problem.ProblemException {@code bad-key} when the segment is not valid
     *         percent-encoded UTF-8 or the key it names is not valid ({@link #valid})
     */
    static String fromSegment(String segment) {
        return valid(PathSegments.decode(segment == null ? "" : segment).orElseThrow(() -> Problem.of(
                ProblemType.BAD_KEY, "the key is not valid percent-encoded UTF-8").exception()));
    }

    /**
     * @param key a decoded key
     * @return the key, when it is 1 to 512 bytes of UTF-8 without control characters
     * @throws Problem.ProblemException {@code bad-key} otherwise
     */
    static String valid(String key) {
        if (key == null || key.isEmpty()) {
            throw Problem.of(ProblemType.BAD_KEY, "the key is empty").exception();
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw Problem.of(ProblemType.BAD_KEY, "the key is " + bytes + " bytes; at most " + MAX_BYTES + " are allowed")
                    .exception();
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                throw Problem.of(ProblemType.BAD_KEY,
                        String.format("the key has a control character (U+%04X) at index %d", (int) c, i)).exception();
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++; // a well-formed pair: one character outside the BMP
            } else if (Character.isSurrogate(c)) {
                throw Problem.of(ProblemType.BAD_KEY, "the key is not valid Unicode").exception();
            }
        }
        return key;
    }
}
