package io.captier.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys of API_KEYS: {@code name:roles:sha256hex} entries separated by commas, roles
 * {@code read}, {@code write} or {@code read+write}. {@code scripts/new-api-key} makes one.
 *
 * <p>A name may appear twice, with the same roles, while its key is being rotated: both
 * hashes are accepted and identify the same caller, so the sessions and idempotency keys
 * bound to the name survive the rotation (docs/decisions.md, "Rotating API keys and
 * SECRET_KEY"). A third entry, or a second one with other roles, is refused.
 *
 * <p>Hashed API keys rather than JWTs (docs/decisions.md): a data tier should not depend
 * on an identity provider to answer, checking a key is one SHA-256 per request, and keys
 * are random 256-bit strings, so an unsalted fast hash is enough (there is nothing to
 * guess, unlike a password).
 */
public final class ApiKeys {

    /** Longer bearer tokens are refused before they are hashed. */
    public static final int MAX_TOKEN_CHARS = 256;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");

    private final List<ApiKey> keys;

    private ApiKeys(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /** Entries one name may have: the key in use and, during a rotation, its successor. */
    static final int MAX_ENTRIES_PER_NAME = 2;

    /**
     * Parses API_KEYS.
     *
     * @throws IllegalArgumentException for a malformed entry, a name given more than
     *     {@value #MAX_ENTRIES_PER_NAME} times or twice with different roles, or no entry at
     *     all; the message never echoes a hash (a malformed entry stops the service)
     */
    public static ApiKeys parse(String config) {
        List<ApiKey> keys = new ArrayList<>();
        Map<String, List<ApiKey>> byName = new HashMap<>();
        for (String entry : config.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":", -1);
            if (parts.length != 3 || !NAME.matcher(parts[0]).matches() || !HASH.matcher(parts[2]).matches()) {
                throw new IllegalArgumentException("API_KEYS entry " + (keys.size() + 1)
                        + " is not name:roles:sha256hex (name of A-Z a-z 0-9 . _ -, 64 hex digits)");
            }
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            for (String role : parts[1].split("\\+")) {
                roles.add(Role.parse(role));
            }
            ApiKey key = new ApiKey(parts[0], Set.copyOf(roles), HexFormat.of().parseHex(parts[2].toLowerCase()));
            List<ApiKey> sameName = byName.computeIfAbsent(key.name(), name -> new ArrayList<>());
            if (sameName.size() >= MAX_ENTRIES_PER_NAME) {
                throw new IllegalArgumentException("API_KEYS names '" + key.name() + "' more than "
                        + MAX_ENTRIES_PER_NAME + " times (a rotation needs only the old key and the new one)");
            }
            if (!sameName.isEmpty() && !sameName.get(0).roles().equals(key.roles())) {
                throw new IllegalArgumentException("API_KEYS names '" + key.name()
                        + "' twice with different roles (a rotated key keeps its roles)");
            }
            if (sameName.stream().anyMatch(other -> MessageDigest.isEqual(other.sha256(), key.sha256()))) {
                throw new IllegalArgumentException("API_KEYS gives '" + key.name() + "' the same key twice");
            }
            sameName.add(key);
            keys.add(key);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("API_KEYS names no key: nobody could read or write");
        }
        return new ApiKeys(keys);
    }

    /** The key whose hash matches the presented token, compared in constant time against every key. */
    public Optional<ApiKey> find(String token) {
        byte[] presented = sha256(token);
        ApiKey found = null;
        for (ApiKey key : keys) {
            if (MessageDigest.isEqual(presented, key.sha256())) {
                found = key;
            }
        }
        return Optional.ofNullable(found);
    }

    public int size() {
        return keys.size();
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
