package io.captier.mode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A set (value and content type) or a delete of one key.
 *
 * @param idempotencyKey the client's Idempotency-Key: a retry with the same one is applied at most once
 */
public record WriteRequest(String key, byte[] value, String contentType, boolean delete, Optional<String> idempotencyKey) {

    public static WriteRequest delete(String key, Optional<String> idempotencyKey) {
        return new WriteRequest(key, null, null, true, idempotencyKey);
    }

    /** Identifies the request behind an idempotency key: same key, operation, type and bytes. */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((delete ? "delete\n" : "set\n").getBytes(StandardCharsets.UTF_8));
            sha.update((key + "\n" + (contentType == null ? "" : contentType) + "\n").getBytes(StandardCharsets.UTF_8));
            if (value != null) {
                sha.update(value);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
