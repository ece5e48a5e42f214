package io.captier.security;

import java.util.Locale;

/**
 * What an API key may do: read values (and see the topology), write them (set and
 * delete), or both. A resource method names the role it needs with
 * {@code @RolesAllowed(Role.Names.READ)}; the security identity of a key carries its
 * roles under the same names.
 */
public enum Role {
    READ(Names.READ), WRITE(Names.WRITE);

    /** The role names as compile-time constants, which {@code @RolesAllowed} needs. */
    public static final class Names {
        public static final String READ = "read";
        public static final String WRITE = "write";

        private Names() {
        }
    }

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The name in API_KEYS, in the security identity and in {@code @RolesAllowed}. */
    public String wireName() {
        return wireName;
    }

    static Role parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case Names.READ -> READ;
            case Names.WRITE -> WRITE;
            default -> throw new IllegalArgumentException("unknown role '" + name + "' (read, write)");
        };
    }
}
