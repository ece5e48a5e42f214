package io.captier.it;

import io.captier.cluster.app.Client;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology;
import io.captier.session.SessionToken;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input against the running service, both profiles, property-based (jqwik):
 * whatever key, value, header or session token arrives, the answer is never a 5xx, a
 * refused request changes nothing, and every value that is accepted round-trips byte for
 * byte, through the API and in PostgreSQL.
 */
class HostileInputIT {

    /** A small MAX_VALUE_BYTES keeps "at and over the limit" cheap to try. */
    static final int LIMIT = 4096;
    static final int MAX_KEY_BYTES = 512;
    private static final String OCTETS = "application/octet-stream";
    private static final AtomicInteger FRESH = new AtomicInteger();

    private static Stack stack;
    private static List<Client> instances;
    private static final Map<String, byte[]> CANARIES = new LinkedHashMap<>();

    @BeforeContainer
    static void start() {
        stack = Stack.start();
        Map<String, String> limit = Map.of("MAX_VALUE_BYTES", Integer.toString(LIMIT));
        instances = List.of(new Client(stack.instance("hostile-cp", "consistent", limit).baseUrl()),
                new Client(stack.instance("hostile-ap", "available", limit).baseUrl()));
        // Values no hostile request may touch.
        CANARIES.put("canary-text", "untouched".getBytes(StandardCharsets.UTF_8));
        CANARIES.put("canary-binary", new byte[] {0, (byte) 0xff, 10, 13, 0, 127});
        CANARIES.forEach((key, value) -> assertEquals(200, instances.get(0).writeBytes(key, value,
                "Content-Type", OCTETS).status()));
    }

    @AfterContainer
    static void stop() {
        try {
            if (stack != null) {
                CANARIES.forEach(HostileInputIT::assertStored);
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    @Property(tries = 150)
    void anyKeyAndValueIsAnsweredAndAcceptedOnesRoundTrip(@ForAll("keys") String key, @ForAll("values") byte[] value,
                                                          @ForAll("instances") Client client) {
        Client.Answer write = client.writeBytes(key, value, "Content-Type", OCTETS);
        assertAnsweredWithoutAFault(write);
        if (key.equals(".") || key.equals("..")) {
            // Dot segments: every URL stack removes them from the path (RFC 3986 5.2.4), so these two
            // keys cannot be addressed; the request reaches a shorter path and is refused there,
            // whatever the value's size.
            assertTrue(write.status() == 400 || write.status() == 404 || write.status() == 405
                    || write.status() == 413, write.toString());
        } else if (value.length > LIMIT) {
            assertEquals(413, write.status(), write.toString());
        } else if (!isGoodKey(key)) {
            assertEquals(400, write.status(), write.toString());
            // An empty key leaves an empty segment: refused as a path that could name another key.
            assertEquals(key.isEmpty() ? "urn:captier:problem:bad-path" : "urn:captier:problem:bad-key",
                    write.string("type"));
        } else {
            assertTrue(write.status() == 200, "a good key and a value within the limit are accepted: " + write);
            Client.Answer read = client.read(key, "Accept", OCTETS);
            assertEquals(200, read.status(), read.toString());
            assertArrayEquals(value, read.body(), "the value read back is the value written");
            assertStored(key, value);
        }
    }

    @Property(tries = 150)
    void anyHeaderIsAnsweredWithoutAFaultAndARefusalChangesNothing(@ForAll("headerNames") String name,
                                                                   @ForAll("headerValues") String value,
                                                                   @ForAll("instances") Client client) {
        String key = "header-" + FRESH.incrementAndGet();
        Client.Answer write = client.write(key, "v", name, value);
        assertAnsweredWithoutAFault(write);
        Client.Answer read = client.read(key, name, value);
        if (name.equals("X-Max-Staleness-Ms") && read.status() == 503) {
            // A bound no reachable source meets is refused (docs/architecture.md A4): the contract's answer, not a
            // fault; an available source is never 0 ms behind (docs/decisions.md, Staleness).
            assertEquals("urn:captier:problem:unavailable", read.string("type"), read.toString());
            assertTrue(Long.parseLong(value.trim()) < 60_000, "only a tight bound is refused: " + read);
        } else {
            assertAnsweredWithoutAFault(read);
        }
        if (write.status() >= 400) {
            assertEquals(404, client.read(key).status(), "a refused write left nothing behind: " + write);
        }
    }

    @Property(tries = 100)
    void aTamperedSessionTokenIsRefusedAndChangesNothing(@ForAll("tamperedTokens") String token,
                                                          @ForAll("instances") Client client) {
        String key = "token-" + FRESH.incrementAndGet();
        Client.Answer write = client.write(key, "v", "X-Session-Token", token);
        assertEquals(400, write.status(), write.toString());
        assertEquals("urn:captier:problem:bad-session", write.string("type"));
        Client.Answer read = client.read("canary-text", "X-Session-Token", token);
        assertEquals(400, read.status(), read.toString());
        assertEquals(404, client.read(key).status(), "a refused write left nothing behind");
    }

    @Provide
    Arbitrary<Client> instances() {
        return Arbitraries.of(instances);
    }

    /** Unicode of every plane, control characters, separators, path syntax, and lengths around the limit. */
    @Provide
    Arbitrary<String> keys() {
        Arbitrary<Integer> anyCodePoint = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE);
        Arbitrary<Integer> tricky = Arbitraries.of(0, 9, 10, 13, 0x1f, 0x7f, 0x85, (int) '/', (int) '\\', (int) '.',
                (int) '%', (int) '?', (int) '#', (int) ' ', (int) '+', (int) '&', (int) '"', (int) '\'', 0x200b, 0xfeff,
                0xfffd, 0x1f600, 0x10ffff);
        Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7e);
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(5, ascii), Tuple.of(3, anyCodePoint), Tuple.of(2, tricky));
        Arbitrary<String> mixed = codePoint.list().ofMinSize(0).ofMaxSize(40).map(HostileInputIT::text);
        Arbitrary<String> long4ByteChars = Arbitraries.integers().between(120, 140).map(n -> "\uD83D\uDE00".repeat(n));
        Arbitrary<String> longAscii = Arbitraries.integers().between(500, 530).map(n -> "k".repeat(n));
        Arbitrary<String> pathLike = Arbitraries.of(".", "..", "/", "a/b", "../x", "%2F", "%", "?", "#", "a?b#c", " ");
        return Arbitraries.frequencyOf(Tuple.of(8, mixed), Tuple.of(1, long4ByteChars),
                Tuple.of(1, longAscii), Tuple.of(2, pathLike));
    }

    /** Binary values: empty, small, exactly at the limit and just over it. */
    @Provide
    Arbitrary<byte[]> values() {
        Arbitrary<byte[]> small = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(64);
        Arbitrary<byte[]> nearLimit = Arbitraries.bytes().array(byte[].class).ofMinSize(LIMIT - 2).ofMaxSize(LIMIT + 2);
        return Arbitraries.frequencyOf(Tuple.of(6, small), Tuple.of(3, nearLimit),
                Tuple.of(1, Arbitraries.just(new byte[0])));
    }

    @Provide
    Arbitrary<String> headerNames() {
        return Arbitraries.of("X-Session-Token", "Idempotency-Key", "X-Max-Staleness-Ms", "Content-Type", "Accept",
                "Authorization", "Accept-Encoding", "Content-Encoding", "X-Forwarded-For", "If-None-Match");
    }

    /** What Java's HTTP client lets through: visible ASCII, spaces and tabs, Latin-1, up to about 6 KB. */
    @Provide
    Arbitrary<String> headerValues() {
        Arbitrary<String> printable = Arbitraries.strings().withCharRange(' ', '~').withChars('\t').ofMaxLength(300);
        Arbitrary<String> latin1 = Arbitraries.strings().withCharRange('\u00a0', '\u00ff').ofMaxLength(40);
        Arbitrary<String> numbers = Arbitraries.longs().map(n -> Long.toString(n));
        Arbitrary<String> huge = Arbitraries.integers().between(2000, 6000).map(n -> "h".repeat(n));
        return Arbitraries.frequencyOf(Tuple.of(6, printable), Tuple.of(1, latin1),
                Tuple.of(2, numbers), Tuple.of(1, huge));
    }

    /** A real token of this deployment, then cut, extended, a character changed, or signed elsewhere. */
    @Provide
    Arbitrary<String> tamperedTokens() {
        String real = instances.get(1).write("token-source", "v").header("X-Session-Token");
        Arbitrary<String> truncated = Arbitraries.integers().between(1, real.length() - 1).map(n -> real.substring(0, n));
        Arbitrary<String> extended = Arbitraries.strings().withCharRange('A', 'z').ofMinLength(1).ofMaxLength(3000)
                .map(tail -> real + tail);
        Arbitrary<String> flipped = Arbitraries.integers().between(0, real.length() - 1)
                .flatMap(i -> Arbitraries.chars().range('0', 'z').filter(c -> c != real.charAt(i))
                        .map(c -> real.substring(0, i) + c + real.substring(i + 1)));
        Arbitrary<String> foreign = Arbitraries.strings().withCharRange('a', 'z').ofLength(40)
                .map(secret -> SessionToken.empty().observe("token-source", 1L << 40)
                        .encode(secret.getBytes(StandardCharsets.UTF_8)));
        return Arbitraries.oneOf(truncated, extended, flipped, foreign);
    }

    private static void assertAnsweredWithoutAFault(Client.Answer answer) {
        assertTrue(answer.status() > 0 && answer.status() < 500, "no 5xx: " + answer);
        if (answer.status() >= 400 && answer.status() != 431) {
            assertEquals("application/problem+json", answer.contentType(), answer.toString());
            String text = new String(answer.body(), StandardCharsets.UTF_8);
            assertTrue(!text.contains("Exception") && !text.contains("\tat "), "no stack trace: " + text);
        }
    }

    private static boolean isGoodKey(String key) {
        return !key.isEmpty() && key.getBytes(StandardCharsets.UTF_8).length <= MAX_KEY_BYTES
                && key.chars().noneMatch(c -> Character.isISOControl((char) c));
    }

    /** The key's row in PostgreSQL (asked of the server directly) holds exactly these bytes. */
    private static void assertStored(String key, byte[] value) {
        Topology topology = stack.topology;
        String keyHex = HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8));
        // 'x' first: psql's output of an empty value would be an empty line, which reads as no row.
        List<List<String>> rows = topology.sql(topology.pgPrimary(), "SELECT 'x' || encode(value, 'hex') FROM kv WHERE key = "
                + "convert_from(decode('" + keyHex + "', 'hex'), 'UTF8') AND NOT deleted");
        assertEquals(1, rows.size(), "one row for the key");
        assertEquals("x" + HexFormat.of().formatHex(value), rows.get(0).get(0));
    }

    private static String text(List<Integer> codePoints) {
        StringBuilder b = new StringBuilder();
        codePoints.forEach(b::appendCodePoint);
        return b.toString();
    }
}
