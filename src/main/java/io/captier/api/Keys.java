package io.captier.api;

import java.nio.charset.StandardCharsets;

/**
 * What a key may be (DESIGN section 2): 1 to 512 bytes of UTF-8, no control characters.
 * Checked before anything touches a store, so a bad key changes nothing.
 */
final class Keys {

    static final int MAX_BYTES = 512;

    private Keys() {
    }

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
