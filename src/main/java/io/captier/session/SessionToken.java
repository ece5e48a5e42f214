package io.captier.session;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The session guarantees of the available profile (read-your-writes and monotonic reads,
 * Terry et al. 1994) carried by the client itself in {@code X-Session-Token}, so any
 * instance can enforce them without sticky routing.
 *
 * <p>The state is the version the session has seen or written per key, for at most
 * {@link #MAX_KEYS} keys in recency order, plus a watermark: the highest version ever
 * dropped from that list. Evicting folds into the watermark, so the token stays bounded
 * whatever the session does while never forgetting a requirement, only coarsening it.
 * Keys are kept as the first 8 bytes of their SHA-256, so the token does not disclose them.
 *
 * <p>Text form: {@code base64url(payload) "." base64url(HMAC-SHA256(macKey, payload))},
 * unpadded, where payload = format byte (1), watermark (8 bytes), count (1 byte) and count
 * pairs of (key hash, version) as big-endian longs, most recent first. At 32 keys that is
 * 522 bytes of payload and 740 characters of text. The MAC key is derived as
 * HMAC-SHA256(secret, "captier-session-v1") so that SECRET_KEY can later sign other things
 * without a token of one kind ever verifying as another.
 *
 * <p>Immutable and thread-safe.
 */
public final class SessionToken {

    public static final int MAX_KEYS = 32;
    /** Longest text {@link #decode} looks at; a full token is 740 characters. */
    public static final int MAX_TEXT_LENGTH = 2048;

    private static final byte FORMAT = 1;
    private static final int HEADER_BYTES = 1 + Long.BYTES + 1;
    private static final int ENTRY_BYTES = 2 * Long.BYTES;
    private static final int MAC_BYTES = 32;
    private static final byte[] MAC_KEY_LABEL = "captier-session-v1".getBytes(StandardCharsets.UTF_8);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final SessionToken EMPTY = new SessionToken(0, new long[0], new long[0]);

    private final long watermark;
    // Parallel arrays, most recently observed first; never mutated after construction.
    private final long[] hashes;
    private final long[] versions;

    private SessionToken(long watermark, long[] hashes, long[] versions) {
        this.watermark = watermark;
        this.hashes = hashes;
        this.versions = versions;
    }

    public static SessionToken empty() {
        return EMPTY;
    }

    /** The version this session has seen or written for the key, 0 if it is not tracked. */
    public long requiredVersion(String key) {
        int i = indexOf(hash(key));
        return i < 0 ? 0 : versions[i];
    }

    /** The highest version dropped from the per-key list; it covers every untracked key. */
    public long watermark() {
        return watermark;
    }

    public boolean tracks(String key) {
        return indexOf(hash(key)) >= 0;
    }

    /** Number of keys tracked individually, at most {@link #MAX_KEYS}. */
    public int size() {
        return hashes.length;
    }

    /**
     * A token in which the key requires at least {@code version} and is the most recent.
     * Version 0 (a key that does not exist) requires nothing, so this token is returned.
     */
    public SessionToken observe(String key, long version) {
        if (version < 0) {
            throw new IllegalArgumentException("versions are never negative");
        }
        if (version == 0) {
            return this;
        }
        long h = hash(key);
        int found = indexOf(h);
        boolean evict = found < 0 && hashes.length == MAX_KEYS;
        int n = found >= 0 || evict ? hashes.length : hashes.length + 1;
        long[] newHashes = new long[n];
        long[] newVersions = new long[n];
        newHashes[0] = h;
        newVersions[0] = found < 0 ? version : Math.max(versions[found], version);
        int j = 1;
        for (int i = 0; i < hashes.length && j < n; i++) {
            if (i != found) {
                newHashes[j] = hashes[i];
                newVersions[j++] = versions[i];
            }
        }
        // The least recent entry is the one the loop did not reach when evicting.
        long newWatermark = evict ? Math.max(watermark, versions[MAX_KEYS - 1]) : watermark;
        return new SessionToken(newWatermark, newHashes, newVersions);
    }

    public String encode(byte[] secret) {
        ByteBuffer payload = ByteBuffer.allocate(HEADER_BYTES + hashes.length * ENTRY_BYTES);
        payload.put(FORMAT).putLong(watermark).put((byte) hashes.length);
        for (int i = 0; i < hashes.length; i++) {
            payload.putLong(hashes[i]).putLong(versions[i]);
        }
        byte[] bytes = payload.array();
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(mac(secret, bytes));
    }

    /**
     * The token in {@code text}, which must be non-null: an absent header is the caller's
     * {@link #empty()}. Anything this deployment did not sign exactly so is rejected with
     * {@link InvalidSessionTokenException}; the MAC is checked before the payload is parsed.
     */
    public static SessionToken decode(String text, byte[] secret) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(secret, "secret");
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new InvalidSessionTokenException("session token too long");
        }
        int dot = text.indexOf('.');
        if (dot <= 0 || dot == text.length() - 1 || text.indexOf('.', dot + 1) >= 0) {
            throw new InvalidSessionTokenException("session token is not payload.signature");
        }
        byte[] payload = base64(text.substring(0, dot));
        byte[] givenMac = base64(text.substring(dot + 1));
        if (givenMac.length != MAC_BYTES || !MessageDigest.isEqual(givenMac, mac(secret, payload))) {
            throw new InvalidSessionTokenException("session token signature does not match");
        }
        return parse(payload);
    }

    private static SessionToken parse(byte[] payload) {
        // Only reached with our own signature, so a bad payload means a bug or a format
        // change, but it is still checked in full rather than trusted.
        ByteBuffer in = ByteBuffer.wrap(payload);
        try {
            if (in.get() != FORMAT) {
                throw new InvalidSessionTokenException("unknown session token format");
            }
            long watermark = in.getLong();
            int count = in.get();
            if (watermark < 0 || count < 0 || count > MAX_KEYS
                    || in.remaining() != count * ENTRY_BYTES) {
                throw new InvalidSessionTokenException("malformed session token");
            }
            long[] hashes = new long[count];
            long[] versions = new long[count];
            for (int i = 0; i < count; i++) {
                hashes[i] = in.getLong();
                versions[i] = in.getLong();
                if (versions[i] <= 0 || indexOf(hashes, i, hashes[i]) >= 0) {
                    throw new InvalidSessionTokenException("malformed session token");
                }
            }
            return new SessionToken(watermark, hashes, versions);
        } catch (BufferUnderflowException e) {
            throw new InvalidSessionTokenException("truncated session token");
        }
    }

    private static byte[] base64(String part) {
        byte[] bytes;
        try {
            bytes = DECODER.decode(part);
        } catch (IllegalArgumentException e) {
            // Not chained: the decoder's message quotes the offending character.
            throw new InvalidSessionTokenException("session token is not base64url");
        }
        // Only the canonical unpadded spelling is accepted, so one token has one text.
        if (!ENCODER.encodeToString(bytes).equals(part)) {
            throw new InvalidSessionTokenException("session token is not canonical base64url");
        }
        return bytes;
    }

    private static byte[] mac(byte[] secret, byte[] payload) {
        if (secret.length == 0) {
            throw new IllegalArgumentException("the session secret is empty");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] macKey = mac.doFinal(MAC_KEY_LABEL);
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private static long hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private int indexOf(long h) {
        return indexOf(hashes, hashes.length, h);
    }

    private static int indexOf(long[] hashes, int length, long h) {
        for (int i = 0; i < length; i++) {
            if (hashes[i] == h) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionToken other && watermark == other.watermark
                && Arrays.equals(hashes, other.hashes) && Arrays.equals(versions, other.versions);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(watermark) + Arrays.hashCode(hashes)) + Arrays.hashCode(versions);
    }

    @Override
    public String toString() {
        return "SessionToken[keys=" + hashes.length + ", watermark=" + watermark + "]";
    }
}
