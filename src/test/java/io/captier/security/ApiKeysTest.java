package io.captier.security;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

class AuthenticationTest {

    static final String READER = "r".repeat(40);
    static final String WRITER = "w".repeat(40);
    static final String BOTH = "b".repeat(40);

    static String entry(String name, String roles, String token) {
        return name + ":" + roles + ":" + HexFormat.of().formatHex(ApiKeys.sha256(token));
    }

    static ApiKeys keys() {
        return ApiKeys.parse(entry("reader", "read", READER) + "," + entry("writer", "write", WRITER) + ", "
                + entry("both", "read+write", BOTH));
    }

    @Test
    void findsAKeyByItsTokenAndNothingElse() {
        ApiKeys keys = keys();
        assertEquals(3, keys.size());
        assertEquals("both", keys.find(BOTH).orElseThrow().name());
        assertTrue(keys.find(BOTH).orElseThrow().may(Role.READ));
        assertTrue(keys.find(BOTH).orElseThrow().may(Role.WRITE));
        assertFalse(keys.find(READER).orElseThrow().may(Role.WRITE));
        assertEquals(Optional.empty(), keys.find(READER + "x"));
        assertEquals(Optional.empty(), keys.find(""));
        // The configuration holds hashes: presenting a hash as the key does not work.
        assertEquals(Optional.empty(), keys.find(HexFormat.of().formatHex(ApiKeys.sha256(READER))));
    }

    @Test
    void refusesAMalformedConfiguration() {
        String hash = HexFormat.of().formatHex(ApiKeys.sha256(READER));
        for (String bad : new String[] {"", " , ", "reader", "reader:read", "reader:read:abc", "reader:admin:" + hash,
                "read er:read:" + hash, "reader:read:" + hash + ":extra", "a:read:" + hash + ",a:write:" + hash,
                "reader::" + hash}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiKeys.parse(bad), bad);
            assertFalse(e.getMessage().contains(hash), "the message never echoes a hash: " + e.getMessage());
        }
    }

    @Test
    void scriptsNewApiKeyMakesAKeyAndTheEntryThatAdmitsIt() throws Exception {
        Process p = new ProcessBuilder("bash", "scripts/new-api-key", "ops", "read+write")
                .redirectErrorStream(true).start(); // surefire runs in the project root
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        String key = out.lines().filter(l -> l.startsWith("key")).findFirst().orElseThrow().replaceAll(".*\\s", "");
        String entry = out.lines().filter(l -> l.startsWith("API_KEYS")).findFirst().orElseThrow().replaceAll(".*\\s", "");
        assertEquals(64, key.length(), out);
        assertFalse(entry.contains(key), "the entry holds the hash, never the key");
        ApiKey admitted = ApiKeys.parse(entry).find(key).orElseThrow();
        assertEquals("ops", admitted.name());
        assertTrue(admitted.may(Role.READ) && admitted.may(Role.WRITE));
    }

    @Test
    void eachPathNeedsItsRole() {
        assertEquals(Optional.of(Role.WRITE), Authentication.required("/write/k"));
        assertEquals(Optional.of(Role.WRITE), Authentication.required("/write"));
        assertEquals(Optional.of(Role.READ), Authentication.required("/read/k"));
        assertEquals(Optional.of(Role.READ), Authentication.required("/nodes"));
        assertEquals(Optional.of(Role.READ), Authentication.required("/circuit-breaker"));
        assertEquals(Optional.empty(), Authentication.required("/health/ready"));
        assertEquals(Optional.empty(), Authentication.required("/metrics"));
        assertEquals(Optional.empty(), Authentication.required("/writer"));
    }

    @Test
    void decidesByKeyAndRoleAndNeverKeepsTheCredential() {
        Authentication auth = new Authentication(keys());
        assertInstanceOf(Authentication.Open.class, auth.check("/metrics", null));
        assertEquals("writer", ((Authentication.Allowed) auth.check("/write/k", "Bearer " + WRITER)).key().name());
        assertEquals("both", ((Authentication.Allowed) auth.check("/read/k", "bearer  " + BOTH)).key().name());
        assertRefused(auth.check("/read/k", null), true, "missing");
        assertRefused(auth.check("/read/k", "Basic " + READER), true, "not-bearer");
        assertRefused(auth.check("/read/k", "Bearer "), true, "not-bearer");
        assertRefused(auth.check("/read/k", "Bearer " + "x".repeat(ApiKeys.MAX_TOKEN_CHARS + 1)), true, "malformed");
        assertRefused(auth.check("/read/k", "Bearer nope"), true, "unknown-key");
        assertRefused(auth.check("/read/k", "Bearer " + WRITER), false, "lacks-read");
        assertRefused(auth.check("/write/k", "Bearer " + READER), false, "lacks-write");
    }

    private static void assertRefused(Authentication.Decision decision, boolean unauthenticated, String reason) {
        Authentication.Refused refused = assertInstanceOf(Authentication.Refused.class, decision);
        assertEquals(unauthenticated, refused.unauthenticated());
        assertEquals(reason, refused.reason());
        assertFalse(refused.toString().contains(READER) || refused.toString().contains(WRITER));
    }
}
