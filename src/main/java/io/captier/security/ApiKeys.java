package io.captier.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys of API_KEYS: {@code name:roles:sha256hex} entries separated by commas, roles
 * {@code read}, {@code write} or {@code read+write}. {@code scripts/new-api-key} makes one.
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

    /** Parses API_KEYS; a malformed entry stops the service (the message never echoes a hash). */
    public static ApiKeys parse(String config) {
        List<ApiKey> keys = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String entry : config.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":", -1);
            if (parts.length != 3 || !NAME.matcher(parts[0]).matches() || !HASH.matcher(parts[2]).matches()) {
                throw new IllegalArgumentException("API_KEYS entry " + (keys.size() + 1)
                        + " is not name:roles:sha256hex (name of A-Z a-z 0-9 . _ -, 64 hex digits)");
            }
            if (!names.add(parts[0])) {
                throw new IllegalArgumentException("API_KEYS names '" + parts[0] + "' twice");
            }
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            for (String role : parts[1].split("\\+")) {
                roles.add(Role.parse(role));
            }
            keys.add(new ApiKey(parts[0], Set.copyOf(roles), HexFormat.of().parseHex(parts[2].toLowerCase())));
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
