package io.captier.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartupChecksTest {

    @Test
    void placeholdersAndPatternsAreNotSecrets() {
        for (String placeholder : new String[] {"change-me-change-me-change-me-1234", "CHANGEME-please-0123456789abcdefgh",
                "my-example-secret-key-that-is-long", "default-default-default-default-00", "a".repeat(64),
                "0123012301230123012301230123012301230123", "abababababababababababababababab"}) {
            assertTrue(StartupChecks.looksLikeADefault(placeholder), placeholder);
        }
        assertFalse(StartupChecks.looksLikeADefault("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
        assertFalse(StartupChecks.looksLikeADefault("Zq3vL8pX2mN7rT1wY6uH4kJ9bC5dF0gA"));
    }

    @Test
    void anEmptyOrShortSecretIsWeakAndA32CharacterRandomOneIsNot() {
        assertTrue(StartupChecks.isWeak(""));
        assertTrue(StartupChecks.isWeak("short-secret"));
        assertTrue(StartupChecks.isWeak("Zq3vL8pX2mN7rT1wY6uH4kJ9bC5dF0g"), "31 characters");
        assertFalse(StartupChecks.isWeak("Zq3vL8pX2mN7rT1wY6uH4kJ9bC5dF0gA"));
    }
}
