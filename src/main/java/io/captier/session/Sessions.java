package io.captier.session;

import io.captier.config.CaptierConfig;
import io.captier.version.Hlc;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Session tokens signed with SECRET_KEY, and the rule that keeps the session guarantees
 * (docs/architecture.md A7): an answer may be given to a session only if it is at least as new as what
 * the session has already written or read.
 *
 * <p>A token is bound to the API key it was issued to: it is signed with SECRET_KEY and
 * the key's name, so a token replayed under another API key does not verify (400).
 *
 * <p>During a rotation of SECRET_KEY a token signed with one of SECRET_KEY_ACCEPTED also
 * verifies (it is answered with a token signed with SECRET_KEY), so sessions survive the
 * rolling restarts that move every instance to the new secret (docs/runbook.md).
 */
@ApplicationScoped
public class Sessions {

    private final byte[] secret;
    private final List<byte[]> accepted;

    public Sessions(CaptierConfig config) {
        this.secret = utf8(config.secretKey().orElse(""));
        this.accepted = config.acceptedSecretKeys().stream().map(Sessions::utf8).toList();
    }

    /**
     * The session of a request by {@code caller}: a new one when the client sent no token
     * (or an empty header).
     *
     * @throws InvalidSessionTokenException when the token was not signed, for this caller,
     *     with SECRET_KEY or one of SECRET_KEY_ACCEPTED
     */
    public SessionToken read(String header, String caller) {
        if (header == null || header.isEmpty()) {
            return SessionToken.empty();
        }
        try {
            return SessionToken.decode(header, secretFor(secret, caller));
        } catch (InvalidSessionTokenException e) {
            for (byte[] other : accepted) {
                try {
                    return SessionToken.decode(header, secretFor(other, caller));
                } catch (InvalidSessionTokenException ignored) {
                    // not this one either
                }
            }
            throw e;
        }
    }

    /** The token's text, signed with SECRET_KEY for {@code caller}. */
    public String write(SessionToken token, String caller) {
        return token.encode(secretFor(secret, caller));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The secret, a zero byte (no name contains one), the API key's name. */
    private static byte[] secretFor(byte[] secret, String caller) {
        byte[] name = (caller == null ? "" : caller).getBytes(StandardCharsets.UTF_8);
        byte[] bound = Arrays.copyOf(secret, secret.length + 1 + name.length);
        System.arraycopy(name, 0, bound, secret.length + 1, name.length);
        return bound;
    }

    /**
     * Read-your-writes and monotonic reads. For a key the session tracks, the answer must
     * carry at least the version it saw (a miss cannot: the key existed). For any other
     * key, the source must be at least as fresh as the newest version the session let go
     * of: its as-of time (now minus its staleness) not before that version's time.
     *
     * @param answerVersion the version of the entry the source answered with (a tombstone's
     *                      too), empty on a miss; only the version matters here, so the
     *                      session needs nothing else of the store's entry
     * @param asOfMs        the time up to which the answering source holds every acknowledged write
     */
    public static boolean allows(SessionToken session, String key, Optional<Long> answerVersion, long asOfMs) {
        long seen = session.requiredVersion(key);
        if (seen > 0) {
            return answerVersion.isPresent() && answerVersion.get() >= seen;
        }
        long watermark = session.watermark();
        return watermark == 0 || asOfMs >= Hlc.wallMillis(watermark);
    }
}
