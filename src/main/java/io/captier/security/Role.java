package io.captier.security;

import java.util.Locale;

/** What an API key may do: read values, write them (set and delete), or both. */
public enum Role {
    READ, WRITE;

    static Role parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "read" -> READ;
            case "write" -> WRITE;
            default -> throw new IllegalArgumentException("unknown role '" + name + "' (read, write)");
        };
    }
}
