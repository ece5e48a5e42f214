package io.captier.client;

import java.nio.charset.StandardCharsets;

/**
 * A key as a path segment (README "API"): a key is 1 to 512 bytes of UTF-8 without control
 * characters, sent percent-encoded; the service decodes the segment strictly, so a key is
 * exactly its segment, decoded.
 *
 * <p>Every byte of the key's UTF-8 form outside RFC 3986's unreserved set
 * ({@code A-Z a-z 0-9 - . _ ~}) is written {@code %XX} (upper-case hex). That covers what
 * the service requires ({@code /} as {@code %2F}, {@code ;} as {@code %3B}, every byte
 * outside visible ASCII) and also {@code %}, space, {@code +}, {@code ?} and {@code #}, so no
 * URL stack between here and the service can read the segment differently.
 */
public final class KeyEncoding {

    /** The longest key, in bytes of UTF-8 (README "API"). */
    public static final int MAX_KEY_BYTES = 512;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private KeyEncoding() {
    }

    /**
     * @param key the key, as the service will store it
     * @return the key as one percent-encoded path segment, ASCII only
     * @throws IllegalArgumentException when the key cannot be stored or addressed: null, empty,
     *         over {@value #MAX_KEY_BYTES} bytes of UTF-8, with a control character or an unpaired
     *         surrogate, or {@code .} / {@code ..} (URL stacks remove those segments, RFC 3986
     *         section 5.2.4, even percent-encoded)
     */
    public static String encode(String key) {
        byte[] utf8 = validate(key).getBytes(StandardCharsets.UTF_8);
        StringBuilder segment = new StringBuilder(utf8.length * 3);
        for (byte b : utf8) {
            int c = b & 0xff;
            if (unreserved(c)) {
                segment.append((char) c);
            } else {
                segment.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return segment.toString();
    }

    /**
     * The service's own rule for keys, checked before sending so that a key which would be
     * mangled on the way (an unpaired surrogate has no UTF-8 form) never leaves.
     *
     * @param key a key
     * @return the key, unchanged
     * @throws IllegalArgumentException as {@link #encode(String)}
     */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("the key is empty");
        }
        if (key.equals(".") || key.equals("..")) {
            throw new IllegalArgumentException("the keys . and .. cannot be addressed: URL stacks remove dot segments");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(String.format("the key has a control character (U+%04X) at index %d",
                        (int) c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("the key has an unpaired surrogate at index " + i);
            }
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("the key is " + bytes + " bytes of UTF-8; at most " + MAX_KEY_BYTES);
        }
        return key;
    }

    private static boolean unreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
