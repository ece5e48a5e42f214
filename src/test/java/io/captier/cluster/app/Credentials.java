package io.captier.cluster.app;

import io.captier.cluster.os.Processes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The API keys of one test run (or one scripts/up), made fresh when the JVM starts:
 * nothing usable ships with the project. {@link AppEnv} hands the same API_KEYS to
 * every instance of the run, so one client's key works on all of them.
 */
public final class Credentials {

    /** Read and write: what the tests' clients use unless they say otherwise. */
    public static final String READ_WRITE = token();
    public static final String READ_ONLY = token();
    public static final String WRITE_ONLY = token();

    private Credentials() {
    }

    /** API_KEYS for the instances: the three keys above, by hash only. */
    public static String apiKeys() {
        return "tester:read+write:" + sha256(READ_WRITE) + ",reader:read:" + sha256(READ_ONLY)
                + ",writer:write:" + sha256(WRITE_ONLY);
    }

    /** A new random key as scripts/new-api-key makes them: 32 random bytes, hex. */
    public static String token() {
        return Processes.randomSecret() + Processes.randomSecret();
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
