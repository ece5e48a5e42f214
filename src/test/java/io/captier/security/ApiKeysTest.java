package io.captier.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** API_KEYS, and the identity a key gets (the role checks themselves run on the real service: ApiContractTest, AuthorizationIT). */
class ApiKeysTest {

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
    void aNameMayCarryTwoKeysWithTheSameRolesWhileItsKeyIsRotated() {
        String next = "n".repeat(40);
        ApiKeys keys = ApiKeys.parse(entry("app", "read+write", BOTH) + "," + entry("app", "read+write", next));
        assertEquals("app", keys.find(BOTH).orElseThrow().name());
        assertEquals("app", keys.find(next).orElseThrow().name(), "the new key is the same caller");
        assertTrue(keys.find(next).orElseThrow().may(Role.WRITE));

        for (String bad : new String[] {
                entry("app", "read+write", BOTH) + "," + entry("app", "read", next),
                entry("app", "read", BOTH) + "," + entry("app", "read", next) + "," + entry("app", "read", READER),
                entry("app", "read", BOTH) + "," + entry("app", "read", BOTH)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiKeys.parse(bad), bad);
            assertFalse(e.getMessage().contains(HexFormat.of().formatHex(ApiKeys.sha256(BOTH))), e.getMessage());
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
    void aKeyBecomesAnIdentityNamedAfterItWithItsRoles() {
        ApiKeyIdentityProvider provider = new ApiKeyIdentityProvider(keys());
        SecurityIdentity both = provider.authenticate(new ApiKeyRequest(BOTH), null).await().indefinitely();
        assertEquals("both", both.getPrincipal().getName());
        assertEquals(Set.of("read", "write"), both.getRoles());
        SecurityIdentity reader = provider.authenticate(new ApiKeyRequest(READER), null).await().indefinitely();
        assertEquals(Set.of("read"), reader.getRoles());
        AuthenticationFailedException unknown = assertThrows(AuthenticationFailedException.class,
                () -> provider.authenticate(new ApiKeyRequest("nope"), null).await().indefinitely());
        assertEquals("unknown-key", AuthFailures.reason(unknown));
        assertEquals(0, AuthFailures.retryAfterMs(unknown));
        assertEquals(6000, AuthFailures.retryAfterMs(AuthFailures.throttled(6000)));
        assertFalse(new ApiKeyRequest(READER).toString().contains(READER), "a request never shows its token");
    }
}
