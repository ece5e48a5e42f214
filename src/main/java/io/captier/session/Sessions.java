package io.captier.session;

import io.captier.config.CaptierConfig;
import io.captier.store.Entry;
import io.captier.version.Hlc;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Session tokens signed with SECRET_KEY, and the rule that keeps the session guarantees
 * (DESIGN A7): an answer may be given to a session only if it is at least as new as what
 * the session has already written or read.
 *
 * <p>A token is bound to the API key it was issued to: it is signed with SECRET_KEY and
 * the key's name, so a token replayed under another API key does not verify (400).
 */
@ApplicationScoped
public class Sessions {

    private final byte[] secret;

    public Sessions(CaptierConfig config) {
        this.secret = config.secretKey().orElse("").getBytes(StandardCharsets.UTF_8);
    }

    /** The session of a request by {@code caller}: a new one when the client sent no token (or an empty header). */
    public SessionToken read(String header, String caller) {
        return header == null || header.isEmpty() ? SessionToken.empty() : SessionToken.decode(header, secretFor(caller));
    }

    public String write(SessionToken token, String caller) {
        return token.encode(secretFor(caller));
    }

    /** SECRET_KEY, a zero byte (no name contains one), the API key's name. */
    private byte[] secretFor(String caller) {
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
     * @param asOfMs the time up to which the answering source holds every acknowledged write
     */
    public static boolean allows(SessionToken session, String key, Optional<Entry> answer, long asOfMs) {
        long seen = session.requiredVersion(key);
        if (seen > 0) {
            return answer.isPresent() && answer.get().version() >= seen;
        }
        long watermark = session.watermark();
        return watermark == 0 || asOfMs >= Hlc.wallMillis(watermark);
    }
}
