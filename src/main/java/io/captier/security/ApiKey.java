package io.captier.security;

import java.util.Set;

/**
 * One configured API key: a name for logs and audit, its roles, and the SHA-256 of the
 * key itself. The key is never configured, only its hash, so a leaked configuration
 * lets no one in.
 */
public record ApiKey(String name, Set<Role> roles, byte[] sha256) {

    public boolean may(Role role) {
        return roles.contains(role);
    }
}
