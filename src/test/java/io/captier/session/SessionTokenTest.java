package io.captier.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SessionTokenTest {

    private static final String SECRET_TEXT = "correct-horse-battery-staple-A";
    private static final byte[] SECRET = SECRET_TEXT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_SECRET = "correct-horse-battery-staple-B".getBytes(StandardCharsets.UTF_8);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private static SessionToken withKeys(int n) {
        SessionToken t = SessionToken.empty();
        for (int i = 0; i < n; i++) {
            t = t.observe("key-" + i, 1000 + i);
        }
        return t;
    }

    @Test
    void roundTripsWithZeroOneAndThirtyTwoKeys() {
        for (int n : new int[] {0, 1, 32}) {
            SessionToken t = withKeys(n);
            SessionToken back = SessionToken.decode(t.encode(SECRET), SECRET);
            assertEquals(t, back);
            assertEquals(t.hashCode(), back.hashCode());
            assertEquals(n, back.size());
            for (int i = 0; i < n; i++) {
                assertEquals(1000 + i, back.requiredVersion("key-" + i));
            }
        }
        SessionToken evicted = withKeys(40);
        assertEquals(evicted, SessionToken.decode(evicted.encode(SECRET), SECRET));
        assertEquals(1007, SessionToken.decode(evicted.encode(SECRET), SECRET).watermark());
    }

    @Test
    void observeKeepsTheHighestVersion() {
        SessionToken t = SessionToken.empty().observe("k", 50).observe("k", 20);
        assertEquals(50, t.requiredVersion("k"));
        assertEquals(70, t.observe("k", 70).requiredVersion("k"));
        assertEquals(0, t.requiredVersion("other"));
        assertFalse(t.tracks("other"));
        assertTrue(t.tracks("k"));
        assertEquals(1, t.size());
        assertEquals(0, t.watermark());
    }

    @Test
    void isImmutableAndIgnoresVersionZero() {
        SessionToken empty = SessionToken.empty();
        SessionToken one = empty.observe("k", 5);
        assertEquals(0, empty.size());
        assertFalse(empty.tracks("k"));
        assertSame(one, one.observe("k", 0));
        assertThrows(IllegalArgumentException.class, () -> one.observe("k", -1));
    }

    @Test
    void theThirtyThirdKeyEvictsTheLeastRecentAndRaisesTheWatermark() {
        SessionToken full = withKeys(32);
        assertEquals(0, full.watermark());
        SessionToken t = full.observe("new", 5);
        assertEquals(32, t.size());
        assertFalse(t.tracks("key-0"));
        assertEquals(1000, t.watermark(), "the evicted key's version");
        assertTrue(t.tracks("key-1"));
        assertTrue(t.tracks("new"));
        // The watermark never goes down, even when a lower version is evicted later.
        SessionToken lower = SessionToken.empty().observe("high", 900);
        for (int i = 0; i < 32; i++) {
            lower = lower.observe("low-" + i, 10);
        }
        assertEquals(900, lower.watermark());
        lower = lower.observe("one-more", 10);
        assertEquals(900, lower.watermark());
    }

    @Test
    void reObservingAKeyMakesItTheMostRecent() {
        SessionToken t = withKeys(32).observe("key-0", 1); // lower version: still refreshed
        assertEquals(1000, t.requiredVersion("key-0"));
        t = t.observe("new", 5);
        assertTrue(t.tracks("key-0"));
        assertFalse(t.tracks("key-1"), "key-1 became the least recent");
        assertEquals(1001, t.watermark());
        // Recency is part of the value: same entries, other order, other token.
        SessionToken ab = SessionToken.empty().observe("a", 1).observe("b", 2);
        SessionToken ba = SessionToken.empty().observe("b", 2).observe("a", 1);
        assertNotEquals(ab, ba);
        assertEquals(ab, ba.observe("b", 2));
    }

    @Test
    void staysSmallWhateverTheSessionDoes() {
        SessionToken t = SessionToken.empty();
        for (int i = 1; i <= 10_000; i++) {
            t = t.observe("distinct-key-" + i, i);
        }
        assertEquals(32, t.size());
        assertEquals(10_000 - 32, t.watermark());
        assertTrue(t.tracks("distinct-key-10000"));
        assertFalse(t.tracks("distinct-key-" + (10_000 - 32)));
        String text = t.encode(SECRET);
        assertTrue(text.length() < 1024, "length " + text.length());
        assertEquals(t, SessionToken.decode(text, SECRET));
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        assertEquals("SessionToken[keys=2, watermark=0]",
                SessionToken.empty().observe("a", 1).observe("b", 2).toString());
    }

    @Test
    void rejectsEveryFlippedBitInThePayloadAndTheMac() {
        String text = withKeys(3).encode(SECRET);
        String[] parts = text.split("\\.");
        for (int part = 0; part < 2; part++) {
            byte[] bytes = B64D.decode(parts[part]);
            for (int bit = 0; bit < bytes.length * 8; bit++) {
                byte[] flipped = bytes.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                String forged = part == 0
                        ? B64.encodeToString(flipped) + "." + parts[1]
                        : parts[0] + "." + B64.encodeToString(flipped);
                assertRejected(forged);
            }
        }
    }

    @Test
    void rejectsEveryTruncation() {
        String text = withKeys(32).encode(SECRET);
        for (int len = 0; len < text.length(); len++) {
            assertRejected(text.substring(0, len));
        }
    }

    @Test
    void rejectsATokenFromAnotherSecret() {
        SessionToken edited = withKeys(2).observe("key-0", Long.MAX_VALUE);
        assertRejected(edited.encode(OTHER_SECRET));
        // Signing with the raw secret instead of the derived MAC key does not work either.
        byte[] payload = B64D.decode(withKeys(2).encode(SECRET).split("\\.")[0]);
        assertRejected(B64.encodeToString(payload) + "." + B64.encodeToString(hmac(SECRET, payload)));
    }

    @Test
    void rejectsMalformedText() {
        String valid = withKeys(2).encode(SECRET);
        String[] parts = valid.split("\\.");
        for (String bad : new String[] {
                "", " ", ".", "..", "abc", parts[0], parts[0] + ".", "." + parts[1],
                valid + ".", "." + valid, valid + "." + parts[1], parts[0] + ".." + parts[1],
                parts[0] + "=." + parts[1], parts[0] + "." + parts[1] + "=",
                parts[0].replace('-', '+') + "." + parts[1].replace('_', '/'),
                " " + valid, valid + " ", valid + "\n", "héllo.wörld", "%%%.$$$",
                "x".repeat(10_240), parts[0] + "." + parts[1] + "A".repeat(2048)}) {
            assertRejected(bad);
        }
    }

    @Test
    void rejectsASignedButInconsistentPayload() {
        // The MAC only proves the payload came from someone holding the secret; it is
        // still checked, so a bug or an old format cannot produce a half-read token.
        long h = 42;
        assertRejected(signed(payload(2, 0, 0)));
        assertRejected(signed(payload(1, -1, 0)));
        assertRejected(signed(payload(1, 0, 1)));
        assertRejected(signed(payload(1, 0, 1, h, 5, 43, 6)));
        assertRejected(signed(payload(1, 0, 2, h, 5)));
        assertRejected(signed(payload(1, 0, 1, h, -5)));
        assertRejected(signed(payload(1, 0, 1, h, 0)));
        assertRejected(signed(payload(1, 0, 2, h, 5, h, 6)));
        assertRejected(signed(payload(1, 0, -1)));
        assertRejected(signed(new byte[] {1}));
        long[] many = new long[66];
        for (int i = 0; i < 33; i++) {
            many[2 * i] = i;
            many[2 * i + 1] = 1;
        }
        assertRejected(signed(payload(1, 0, 33, many)));
        byte[] trailing = ByteBuffer.allocate(11).put(payload(1, 0, 0)).put((byte) 0).array();
        assertRejected(signed(trailing));
        // The same helper does build what the code accepts, so the rejections above are real.
        assertEquals(SessionToken.empty(), SessionToken.decode(signed(payload(1, 0, 0)), SECRET));
        assertEquals(7, SessionToken.decode(signed(payload(1, 7, 0)), SECRET).watermark());
    }

    @Test
    void fuzzedInputOnlyEverFailsWithTheDedicatedException() {
        Random random = new Random(20240601);
        SessionToken original = withKeys(5);
        String valid = original.encode(SECRET);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u00e9";
        for (int i = 0; i < 10_000; i++) {
            StringBuilder s = new StringBuilder();
            int len = random.nextInt(800);
            for (int c = 0; c < len; c++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            decodeOrReject(s.toString(), null);
        }
        for (int i = 0; i < 10_000; i++) {
            StringBuilder s = new StringBuilder(valid);
            for (int m = 1 + random.nextInt(3); m > 0; m--) {
                int at = random.nextInt(s.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> s.setCharAt(at, c);
                    case 1 -> s.insert(at, c);
                    default -> s.deleteCharAt(at);
                }
            }
            decodeOrReject(s.toString(), original);
        }
        String[] parts = valid.split("\\.");
        byte[] payload = B64D.decode(parts[0]);
        for (int i = 0; i < 10_000; i++) {
            byte[] mutated = payload.clone();
            mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            decodeOrReject(B64.encodeToString(mutated) + "." + parts[1], original);
        }
    }

    private static void decodeOrReject(String text, SessionToken expectedIfAccepted) {
        try {
            SessionToken t = SessionToken.decode(text, SECRET);
            if (expectedIfAccepted == null || !expectedIfAccepted.equals(t)) {
                fail("accepted a forged token: " + text);
            }
        } catch (InvalidSessionTokenException e) {
            checkMessage(e, text);
        } catch (RuntimeException e) {
            fail("wrong exception type " + e + " for: " + text);
        }
    }

    private static void assertRejected(String text) {
        InvalidSessionTokenException e =
                assertThrows(InvalidSessionTokenException.class, decoding(text), () -> "accepted: " + text);
        checkMessage(e, text);
    }

    private static void checkMessage(InvalidSessionTokenException e, String text) {
        String message = e.getMessage();
        assertFalse(message.contains(SECRET_TEXT), "message leaks the secret");
        if (text.length() >= 8) {
            assertFalse(message.contains(text.strip()), "message echoes the token");
            for (String part : text.split("\\.")) {
                assertFalse(part.length() >= 8 && message.contains(part), "message echoes the token");
            }
        }
        assertNull(e.getCause(), "a chained cause could quote the input");
    }

    private static Executable decoding(String text) {
        return () -> SessionToken.decode(text, SECRET);
    }

    private static byte[] payload(int format, long watermark, int count, long... pairs) {
        ByteBuffer b = ByteBuffer.allocate(10 + pairs.length * 8);
        b.put((byte) format).putLong(watermark).put((byte) count);
        for (long v : pairs) {
            b.putLong(v);
        }
        return b.array();
    }

    /** Signs as the documented format does: MAC key = HMAC(secret, "captier-session-v1"). */
    private static String signed(byte[] payload) {
        byte[] macKey = hmac(SECRET, "captier-session-v1".getBytes(StandardCharsets.UTF_8));
        return B64.encodeToString(payload) + "." + B64.encodeToString(hmac(macKey, payload));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
