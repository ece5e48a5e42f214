package io.captier.mode;

import io.captier.store.Precondition;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A set (value and content type) or a delete of one key, possibly conditional.
 *
 * @param idempotencyKey the client's Idempotency-Key (scoped to its API key): a retry with
 *                       the same one is applied at most once
 * @param precondition   If-Match / If-None-Match (docs/architecture.md C5): applied only if it holds
 */
public record WriteRequest(String key, byte[] value, String contentType, boolean delete, Optional<String> idempotencyKey,
                           Optional<Precondition> precondition) {

    public static WriteRequest delete(String key, Optional<String> idempotencyKey, Optional<Precondition> precondition) {
        return new WriteRequest(key, null, null, true, idempotencyKey, precondition);
    }

    /**
     * Identifies the request behind an idempotency key: same key, operation, type and bytes,
     * and the same precondition when it has one (a hex SHA-256).
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((delete ? "delete\n" : "set\n").getBytes(StandardCharsets.UTF_8));
            sha.update((key + "\n" + (contentType == null ? "" : contentType) + "\n").getBytes(StandardCharsets.UTF_8));
            if (value != null) {
                sha.update(value);
            }
            // Absent for plain writes, so that their fingerprints stay what they were.
            precondition.ifPresent(p -> sha.update(("\nif " + p).getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
