package io.captier.it;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.Stack;
import io.captier.cluster.devstack.NginxServer;
import io.captier.cluster.devstack.StackFiles;
import io.captier.cluster.topology.Topology;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may call what, decided on what the router dispatches, on the real topology: both
 * profiles, directly and through NGINX (the real nginx/ config), with requests written byte
 * for byte ({@link RawHttp}). Property-based (jqwik) over path variants of every protected
 * route and every method, over keys (valid UTF-8 round-trips exactly, invalid UTF-8 is
 * 400), plus the exact requests of the authorization issue as regression cases and the
 * throttle of failed authentications.
 *
 * <p>Each request leaves from a loopback address of its own (127.1.x.y) unless a case says
 * otherwise: NGINX throttles failed authentications per client address, and hundreds of
 * hostile requests from one address would otherwise only ever meet that throttle.
 */
class AuthorizationIT {

    /** Keys that requests without a key or with a read-only key name: none may ever be stored. */
    static final String DENIED = "az-denied-";
    static final String CANARY_KEY = "az-canary";
    static final String CANARY_VALUE = "canary-" + UUID.randomUUID();
    static final Set<String> WRITE_METHODS = Set.of("POST", "DELETE", "PUT", "PATCH");
    private static final AtomicInteger FRESH = new AtomicInteger();
    private static final AtomicInteger ADDRESSES = new AtomicInteger();
    private static final Map<String, String> ROUND_TRIPPED = new ConcurrentHashMap<>();

    private static Stack stack;
    private static NginxServer nginx;
    /** Name (cp, ap, cp-nginx, ap-nginx) -> a client of it. */
    private static Map<String, RawHttp> targets;
    /** An instance with the default throttle (10 failures a minute), trusting NGINX's address as its proxy. */
    private static RawHttp throttled;

    @BeforeContainer
    static void start() {
        stack = Stack.start();
        Map<String, String> behindNginx = Map.of("TRUSTED_PROXIES", StackFiles.NGINX_PROXY_ADDRESS);
        AppInstance cp = stack.instance("authz-cp", "consistent", behindNginx);
        AppInstance ap = stack.instance("authz-ap", "available", behindNginx);
        AppInstance strict = stack.instance("authz-throttle", "consistent",
                Map.of("TRUSTED_PROXIES", StackFiles.NGINX_PROXY_ADDRESS, "AUTH_FAILURES_PER_MINUTE", "10"));
        nginx = NginxServer.start(Map.of("consistent", List.of("127.0.0.1:" + cp.port()),
                "available", List.of("127.0.0.1:" + ap.port())));
        targets = Map.of(
                "cp", new RawHttp(cp.baseUrl(), null, null),
                "ap", new RawHttp(ap.baseUrl(), null, null),
                "cp-nginx", new RawHttp(nginx.url("consistent"), nginx.tls(), null),
                "ap-nginx", new RawHttp(nginx.url("available"), nginx.tls(), null));
        throttled = new RawHttp(strict.baseUrl(), null, null);
        RawHttp.Answer canary = targets.get("cp").send("POST", "/write/" + CANARY_KEY, bytes(CANARY_VALUE),
                "Authorization", bearer(Credentials.READ_WRITE), "Content-Type", "text/plain");
        assertEquals(200, canary.status(), canary.toString());
    }

    @AfterContainer
    static void stop() {
        try {
            if (stack != null) {
                assertNothingStoredUnder(DENIED);
                assertNothingStoredUnder("az-bad-");
            }
        } finally {
            if (nginx != null) {
                nginx.close();
            }
            if (stack != null) {
                stack.close();
            }
        }
    }

    // --- every protected route, every method, path variants ---------------------------------------

    @Property(tries = 400)
    void noKeyNoRoleNoWayAround(@ForAll("attempts") Attempt a) {
        RawHttp.Answer answer = a.target().from(nextAddress()).send(a.method(), a.path(), a.body(), a.headers());
        String what = a + " -> " + answer;
        assertTrue(answer.status() < 500, "never a fault: " + what);
        if (answer.status() >= 400 && !"HEAD".equals(a.method())) {
            assertNotNull(answer.problemType(), "every refusal is problem+json: " + what);
        }
        boolean success = answer.status() >= 200 && answer.status() < 300;
        switch (a.credential()) {
            case NONE -> assertFalse(success, "no key, yet " + what);
            case READ_ONLY -> assertFalse(success && WRITE_METHODS.contains(a.method()), "a read-only key wrote: " + what);
            case WRITE_ONLY -> {
                assertFalse(answer.text().contains(CANARY_VALUE), "a write-only key read a value: " + what);
                assertFalse(success && Set.of("GET", "HEAD").contains(a.method()), "a write-only key read: " + what);
            }
        }
    }

    enum Credential { NONE, READ_ONLY, WRITE_ONLY }

    /** One request: which server, which key, which method, and the path after its variations. */
    record Attempt(String targetName, Credential credential, String method, String path) {

        RawHttp target() {
            return targets.get(targetName);
        }

        byte[] body() {
            return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method) ? bytes("hostile") : null;
        }

        String[] headers() {
            return switch (credential) {
                case NONE -> new String[] {"Content-Type", "text/plain"};
                case READ_ONLY -> new String[] {"Authorization", bearer(Credentials.READ_ONLY), "Content-Type", "text/plain"};
                case WRITE_ONLY -> new String[] {"Authorization", bearer(Credentials.WRITE_ONLY), "Content-Type", "text/plain"};
            };
        }

        @Override
        public String toString() {
            return method + " " + RawHttp.shown(path) + " on " + targetName + " with " + credential;
        }
    }

    /** The protected routes, a segment list each; {key} and {value} are filled in per attempt. */
    static final List<List<String>> ROUTES = List.of(
            List.of("write", "{key}", "{value}"), List.of("write", "{key}"), List.of("read", "{key}"),
            List.of("nodes"), List.of("circuit-breaker"), List.of("write"), List.of("read"));

    @Provide
    Arbitrary<Attempt> attempts() {
        Arbitrary<String> target = Arbitraries.of("cp", "ap", "cp-nginx", "ap-nginx");
        Arbitrary<Credential> credential = Arbitraries.of(Credential.class);
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");
        Arbitrary<List<String>> route = Arbitraries.of(ROUTES);
        Arbitrary<List<Variation>> variations = variation().list().ofMinSize(0).ofMaxSize(2);
        return Combinators.combine(target, credential, method, route, variations)
                .as((t, c, m, r, v) -> new Attempt(t, c, m, render(r, keyFor(c, m), v)));
    }

    /** Requests with a write-only key read the canary; the others name keys nobody may store. */
    private static String keyFor(Credential credential, String method) {
        if (credential == Credential.WRITE_ONLY) {
            return Set.of("GET", "HEAD").contains(method) ? CANARY_KEY : "az-w-" + FRESH.incrementAndGet();
        }
        return DENIED + FRESH.incrementAndGet();
    }

    /** One way of writing the same route differently. {@code at} and {@code pick} choose where and which. */
    record Variation(Kind kind, int at, int pick) {
        enum Kind { MATRIX, ENCODED_SEMICOLON, ENCODED_LETTER, ENCODED_SLASH, EMPTY_SEGMENT, DOT, DOT_DOT,
            TRAILING_SLASH, UPPER_CASE, NUL, OVERLONG }
    }

    private static Arbitrary<Variation> variation() {
        return Combinators.combine(Arbitraries.of(Variation.Kind.class), Arbitraries.integers().between(0, 10),
                Arbitraries.integers().between(0, 1000)).as(Variation::new);
    }

    /** The route's path with its key and value, varied: still the same route to any reader that resolves it. */
    static String render(List<String> route, String key, List<Variation> variations) {
        List<String> segments = new ArrayList<>();
        for (String s : route) {
            segments.add(s.equals("{key}") ? Client.encode(key) : s.equals("{value}") ? "v" : s);
        }
        int keyAt = route.indexOf("{key}");
        for (Variation v : variations) {
            int at = v.at() % segments.size();
            String segment = segments.get(at);
            switch (v.kind()) {
                case MATRIX -> segments.set(at, segment + List.of(";", ";a=b", ";x;y=z").get(v.pick() % 3));
                case ENCODED_SEMICOLON -> segments.set(at, segment + List.of("%3B", "%3ba=b").get(v.pick() % 2));
                case ENCODED_LETTER -> segments.set(at, encodeOneLetter(segment, v.pick()));
                case ENCODED_SLASH -> segments.set(keyAt >= 0 ? keyAt : at,
                        segments.get(keyAt >= 0 ? keyAt : at) + "%2Fx");
                case EMPTY_SEGMENT -> segments.add(at, "");
                case DOT -> segments.add(at, List.of(".", "%2e", "%2E").get(v.pick() % 3));
                case DOT_DOT -> {
                    segments.add(at, List.of("..", "%2e%2e", ".%2E").get(v.pick() % 3));
                    segments.add(at, "junk");
                }
                case TRAILING_SLASH -> segments.add("");
                case UPPER_CASE -> segments.set(0, v.pick() % 2 == 0 || segments.get(0).isEmpty()
                        ? segments.get(0).toUpperCase(Locale.ROOT)
                        : Character.toUpperCase(segments.get(0).charAt(0)) + segments.get(0).substring(1));
                case NUL -> segments.set(at, segment + "%00");
                case OVERLONG -> segments.set(keyAt >= 0 ? keyAt : at,
                        segments.get(keyAt >= 0 ? keyAt : at) + "o".repeat(5000));
            }
        }
        return "/" + String.join("/", segments);
    }

    private static String encodeOneLetter(String segment, int pick) {
        for (int i = 0; i < segment.length(); i++) {
            int at = (pick + i) % segment.length();
            char c = segment.charAt(at);
            if (Character.isLetter(c) && c < 0x80) {
                String hex = String.format(pick % 2 == 0 ? "%%%02x" : "%%%02X", (int) c);
                return segment.substring(0, at) + hex + segment.substring(at + 1);
            }
        }
        return segment;
    }

    // --- keys are read strictly -------------------------------------------------------------------

    @Property(tries = 150)
    void everyValidKeyIsStoredAndReadBackAsExactlyThatKey(@ForAll("validKeys") String key,
                                                          @ForAll("directTargets") String targetName,
                                                          @ForAll boolean encodeEveryByte) {
        RawHttp target = targets.get(targetName);
        String value = "value-" + FRESH.incrementAndGet();
        String segment = encodeEveryByte ? percentEncodeAll(bytes(key)) : Client.encode(key);
        RawHttp.Answer write = target.send("POST", "/write/" + segment, bytes(value),
                "Authorization", bearer(Credentials.READ_WRITE), "Content-Type", "text/plain");
        assertEquals(200, write.status(), "write of " + describe(key) + ": " + write);
        assertEquals(key, write.json().get("key"), "the answer names exactly the key: " + write);
        ROUND_TRIPPED.put(key, value);
        // This key, and a few written before it: two different keys never land on one row.
        List<String> known = new ArrayList<>(ROUND_TRIPPED.keySet());
        for (int i = 0; i < Math.min(4, known.size()); i++) {
            String k = i == 0 ? key : known.get(Math.floorMod((key.hashCode() + i) * 31, known.size()));
            RawHttp.Answer read = targets.get("cp").get("/read/" + Client.encode(k),
                    "Authorization", bearer(Credentials.READ_WRITE), "Accept", "application/octet-stream");
            assertEquals(200, read.status(), "read of " + describe(k) + ": " + read);
            assertEquals(ROUND_TRIPPED.get(k), read.text(), "the value of " + describe(k));
        }
    }

    @Property(tries = 80)
    void aKeyThatIsNotValidUtf8IsABadKey(@ForAll("invalidUtf8") byte[] sequence,
                                         @ForAll("allTargets") String targetName) {
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        key.writeBytes(bytes("az-bad-" + FRESH.incrementAndGet() + "-"));
        key.writeBytes(sequence);
        key.writeBytes(bytes("-end"));
        String segment = percentEncodeAll(key.toByteArray());
        RawHttp target = targets.get(targetName).from(nextAddress());
        for (String[] request : new String[][] {{"POST", "/write/" + segment + "/v"}, {"POST", "/write/" + segment},
                {"GET", "/read/" + segment}, {"DELETE", "/write/" + segment}}) {
            RawHttp.Answer answer = target.send(request[0], request[1], "POST".equals(request[0]) ? bytes("x") : null,
                    "Authorization", bearer(Credentials.READ_WRITE), "Content-Type", "text/plain");
            assertEquals(400, answer.status(), request[0] + " " + request[1] + " -> " + answer);
            assertEquals("urn:captier:problem:bad-key", answer.problemType(), answer.toString());
        }
    }

    @Provide
    Arbitrary<String> directTargets() {
        return Arbitraries.of("cp", "ap");
    }

    @Provide
    Arbitrary<String> allTargets() {
        return Arbitraries.of("cp", "ap", "cp-nginx", "ap-nginx");
    }

    /** Any Unicode text without control characters, 1 to 512 bytes of UTF-8 ('.' and '..' cannot be addressed). */
    @Provide
    Arbitrary<String> validKeys() {
        Arbitrary<Integer> anyCodePoint = Arbitraries.integers().between(0x20, Character.MAX_CODE_POINT)
                .filter(cp -> !Character.isISOControl(cp) && (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE));
        Arbitrary<Integer> syntax = Arbitraries.of((int) ';', (int) '/', (int) '%', (int) '+', (int) '?', (int) '#',
                (int) '.', (int) ' ', (int) '\\', (int) '&', (int) '=', (int) '~', 0xfffd, 0xfeff, 0x1f511);
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(Tuple.of(3, anyCodePoint), Tuple.of(2, syntax),
                Tuple.of(3, Arbitraries.integers().between(0x21, 0x7e)));
        Arbitrary<String> text = codePoint.list().ofMinSize(1).ofMaxSize(60).map(AuthorizationIT::text);
        Arbitrary<String> atTheLimit = Arbitraries.integers().between(125, 128).map(n -> "\uD83D\uDD11".repeat(n));
        return Arbitraries.frequencyOf(Tuple.of(9, text), Tuple.of(1, atTheLimit))
                .filter(k -> k.getBytes(StandardCharsets.UTF_8).length <= 512 && !k.equals(".") && !k.equals(".."));
    }

    /** Stray bytes, truncated sequences, overlong forms, surrogates and code points past U+10FFFF. */
    @Provide
    Arbitrary<byte[]> invalidUtf8() {
        return Arbitraries.of(
                new byte[] {(byte) 0xff}, new byte[] {(byte) 0xfe}, new byte[] {(byte) 0x80}, new byte[] {(byte) 0xbf},
                new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {(byte) 0xf0, (byte) 0x9f, (byte) 0x94},
                new byte[] {(byte) 0xc3},
                new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xc1, (byte) 0xbf},
                new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, new byte[] {(byte) 0xf0, (byte) 0x80, (byte) 0x80, (byte) 0xaf},
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xed, (byte) 0xbf, (byte) 0xbf},
                new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80});
    }

    // --- the exact requests of the issue ----------------------------------------------------------

    /** Table 1: no Authorization header at all (and a read-only key for the writes). */
    @Example
    void theUnauthenticatedWayInIsClosedEverywhere() {
        String k = DENIED + "table-" + FRESH.incrementAndGet();
        String[][] requests = {
                {"POST", "/write;x/" + k + "-1/v"}, {"POST", "/write;x/" + k + "-2"}, {"GET", "/read;x/" + k + "-1"},
                {"GET", "/nodes;x"}, {"GET", "/circuit-breaker;x"}, {"POST", "/write/" + k + "-3;x/v"},
                {"POST", "//write/" + k + "-4/v"}, {"POST", "/./write/" + k + "-5/v"}, {"POST", "/%77rite/" + k + "-6/v"}};
        for (String name : targets.keySet()) {
            boolean direct = !name.endsWith("nginx");
            for (String[] r : requests) {
                RawHttp.Answer none = targets.get(name).from(nextAddress()).send(r[0], r[1],
                        r[0].equals("POST") ? bytes("v") : null, "Content-Type", "text/plain");
                // The instances decide on the routed method first: 401. NGINX refuses ';', '//' and '/./' first: 400.
                assertTrue(none.status() == 401 || (!direct && none.status() == 400), name + " " + r[1] + " -> " + none);
                if (none.status() == 401) {
                    assertEquals("Bearer realm=\"captier\"", none.header("WWW-Authenticate"), none.toString());
                }
                if (r[0].equals("POST")) {
                    RawHttp.Answer reader = targets.get(name).from(nextAddress()).send(r[0], r[1], bytes("v"),
                            "Authorization", bearer(Credentials.READ_ONLY), "Content-Type", "text/plain");
                    assertTrue(Set.of(400, 403).contains(reader.status()), "read-only: " + name + " " + r[1] + " -> " + reader);
                }
            }
        }
    }

    /** Table 2: a valid key, and the paths that used to mean another key than the one sent. */
    @Example
    void keysAreReadStrictly() {
        for (String name : targets.keySet()) {
            RawHttp t = targets.get(name).from(nextAddress());
            String a = "az-strict-" + FRESH.incrementAndGet();
            assertEquals(200, write(t, "/write/" + a + "/original").status());
            RawHttp.Answer matrix = write(t, "/write/" + a + ";b/overwritten");
            assertEquals(400, matrix.status(), name + ": " + matrix);
            assertEquals("urn:captier:problem:bad-path", matrix.problemType());
            assertEquals("original", read(t, "/read/" + a).text(), name + ": the key '" + a + "' is untouched");
            for (String bad : List.of("%FF", "%E2%82", "%ED%A0%80", "%C0%AF")) {
                RawHttp.Answer w = write(t, "/write/" + bad + "/v");
                assertEquals(400, w.status(), name + " " + bad + ": " + w);
                assertEquals("urn:captier:problem:bad-key", w.problemType());
                RawHttp.Answer r = read(t, "/read/" + bad);
                assertEquals(400, r.status(), name + " " + bad + ": " + r);
            }
            for (String[] unreadable : new String[][] {{"/write/%zz/v", "400"}, {"/write/" + "x".repeat(5000) + "/v", "414"}}) {
                RawHttp.Answer w = write(t, unreadable[0]);
                assertEquals(Integer.parseInt(unreadable[1]), w.status(), name + ": " + w);
                assertNotNull(w.problemType(), name + ": a refusal of the HTTP layer is problem+json too: " + w);
            }
        }
    }

    /** Two different requests never land on one key: paths the router would resolve into another are refused. */
    @Example
    void dotAndEmptySegmentsNeverNameAnotherKey() {
        for (String name : targets.keySet()) {
            RawHttp t = targets.get(name).from(nextAddress());
            String victim = "az-victim-" + FRESH.incrementAndGet();
            assertEquals(200, write(t, "/write/" + victim + "/original").status());
            for (String[] r : new String[][] {{"POST", "/write/%2E/" + victim}, {"POST", "/write/x/%2e%2e/" + victim + "/p"},
                    {"POST", "//write/" + victim + "/p"}, {"POST", "/write//" + victim + "/p"}, {"POST", "/write/" + victim + "//p"},
                    {"DELETE", "/write/" + victim + "/%2e"}, {"POST", "/write/" + victim + "/"}, {"GET", "/read/" + victim + "/"}}) {
                RawHttp.Answer answer = t.send(r[0], r[1], null, "Authorization", bearer(Credentials.READ_WRITE));
                assertEquals(400, answer.status(), name + " " + r[0] + " " + r[1] + " -> " + answer);
                assertEquals("urn:captier:problem:bad-path", answer.problemType(), answer.toString());
            }
            assertEquals("original", read(t, "/read/" + victim).text(), name + ": " + victim + " is untouched");
        }
    }

    /** An Idempotency-Key belongs to the API key that sent it: another key can neither replay nor claim it. */
    @Example
    void idempotencyKeysAreScopedToTheirApiKey() {
        RawHttp t = targets.get("cp").from(nextAddress());
        String key = "az-scope-" + FRESH.incrementAndGet();
        RawHttp.Answer first = t.send("POST", "/write/" + key + "/v", null,
                "Authorization", bearer(Credentials.READ_WRITE), "Idempotency-Key", "shared-K");
        RawHttp.Answer other = t.send("POST", "/write/" + key + "/v", null,
                "Authorization", bearer(Credentials.WRITE_ONLY), "Idempotency-Key", "shared-K");
        assertEquals(200, other.status(), other.toString());
        assertEquals(null, other.header("Idempotent-Replayed"), "another API key's answer is not replayed");
        assertTrue(!first.json().get("version").equals(other.json().get("version")), "its own write");
        RawHttp.Answer retry = t.send("POST", "/write/" + key + "/v", null,
                "Authorization", bearer(Credentials.READ_WRITE), "Idempotency-Key", "shared-K");
        assertEquals("true", retry.header("Idempotent-Replayed"));
        assertEquals(first.json().get("version"), retry.json().get("version"));
    }

    @Example
    void oneAuthorizationHeaderOriginFormTargetsAndNginxRefusalsAsProblems() {
        for (String name : targets.keySet()) {
            RawHttp.Answer two = targets.get(name).from(nextAddress()).get("/read/" + CANARY_KEY,
                    "Authorization", bearer(Credentials.WRITE_ONLY), "Authorization", bearer(Credentials.READ_WRITE));
            assertEquals(400, two.status(), name + ": " + two);
            assertNotNull(two.problemType(), two.toString());
        }
        for (String name : List.of("cp-nginx", "ap-nginx")) {
            RawHttp t = targets.get(name).from(nextAddress());
            RawHttp.Answer absolute = t.get("https://evil.example:9/read/" + CANARY_KEY,
                    "Authorization", bearer(Credentials.READ_WRITE));
            assertEquals(400, absolute.status(), name + ": " + absolute);
            assertEquals("urn:captier:problem:bad-path", absolute.problemType());
            RawHttp.Answer tooLarge = t.send("POST", "/write/" + DENIED + "big", null,
                    "Authorization", bearer(Credentials.READ_WRITE), "Content-Length", "3000000");
            assertEquals(413, tooLarge.status(), name + ": " + tooLarge);
            assertEquals("urn:captier:problem:value-too-large", tooLarge.problemType());
            RawHttp.Answer unknownCoding = t.send("POST", "/write/" + DENIED + "te", null,
                    "Authorization", bearer(Credentials.READ_WRITE), "Transfer-Encoding", "xchunked");
            assertEquals(501, unknownCoding.status(), name + ": " + unknownCoding);
            assertNotNull(unknownCoding.problemType(), unknownCoding.toString());
        }
    }

    /** RFC 3986 has every byte outside visible ASCII percent-encoded; raw UTF-8 is refused, not guessed at. */
    @Example
    void rawBytesInAPathAreRefusedNotGuessedAt() {
        for (String name : targets.keySet()) {
            String key = DENIED + "caf\u00c3\u00a9-" + FRESH.incrementAndGet(); // "café" as raw UTF-8 bytes
            RawHttp.Answer answer = write(targets.get(name).from(nextAddress()), "/write/" + key + "/v");
            assertEquals(400, answer.status(), name + ": " + answer);
            assertEquals("urn:captier:problem:bad-path", answer.problemType(), name + ": " + answer);
        }
    }

    @Example
    void metricsAreNotServedThroughNginxInAnySpelling() {
        for (String name : List.of("cp-nginx", "ap-nginx")) {
            for (String path : List.of("/metrics", "/metrics/", "/metrics/.", "/METRICS", "/%6Detrics", "/metrics?x",
                    "/metrics;x", "//metrics", "/./metrics", "/q/metrics")) {
                RawHttp.Answer answer = targets.get(name).from(nextAddress()).get(path);
                assertTrue(answer.status() == 403 || answer.status() == 400 || answer.status() == 404,
                        name + " " + path + " -> " + answer);
                assertFalse(answer.text().contains("# TYPE"), name + " " + path + " leaked the metrics");
                assertNotNull(answer.problemType(), answer.toString());
            }
        }
    }

    /**
     * The OpenAPI document is open on purpose (docs/decisions.md, Security), on every instance
     * and through NGINX; the spellings around /openapi open nothing else, and no production
     * build serves Swagger UI.
     */
    @Example
    void theApiDocumentIsOpenAndOpensNothingElse() {
        for (String name : targets.keySet()) {
            RawHttp.Answer yaml = targets.get(name).from(nextAddress()).get("/openapi");
            assertEquals(200, yaml.status(), name + ": " + yaml);
            assertTrue(yaml.header("Content-Type").startsWith("application/yaml"), name + ": " + yaml);
            assertTrue(yaml.text().startsWith("---\nopenapi: 3.1.0") || yaml.text().startsWith("openapi: 3.1.0"),
                    name + ": " + yaml);
            RawHttp.Answer json = targets.get(name).from(nextAddress()).get("/openapi?format=json");
            assertEquals(200, json.status(), name + ": " + json);
            assertEquals("3.1.0", json.json().get("openapi"), name + ": " + json);
            for (String path : List.of("/q/swagger-ui", "/q/swagger-ui/", "/swagger-ui", "/q/openapi")) {
                RawHttp.Answer ui = targets.get(name).from(nextAddress()).get(path);
                assertTrue(ui.status() == 403 || ui.status() == 404, name + " " + path + " -> " + ui);
                assertNotNull(ui.problemType(), name + " " + path + " -> " + ui);
            }
            for (String path : List.of("/openapi;x", "/openapi/../nodes", "/openapi/%2e%2e/nodes", "/openapi/x",
                    "/openapi/../read/" + CANARY_KEY, "/openapi/..%2Fread/" + CANARY_KEY)) {
                RawHttp.Answer answer = targets.get(name).from(nextAddress()).get(path);
                assertTrue(answer.status() >= 400 && answer.status() != 429, name + " " + path + " -> " + answer);
                assertNotNull(answer.problemType(), name + " " + path + " -> " + answer);
                assertFalse(answer.text().contains(CANARY_VALUE), name + " " + path + " read the canary");
            }
        }
    }

    @Example
    void methodsNoRouteTakesAreRefusedBeforeAnyRoleCheck() {
        for (String name : targets.keySet()) {
            for (String method : List.of("OPTIONS", "PUT", "PATCH", "TRACE")) {
                RawHttp.Answer answer = targets.get(name).from(nextAddress()).send(method, "/read/" + CANARY_KEY, null);
                assertEquals(405, answer.status(), name + " " + method + " -> " + answer);
                assertEquals("urn:captier:problem:method-not-allowed", answer.problemType());
            }
        }
    }

    // --- throttling guesses -----------------------------------------------------------------------

    @Example
    void anInstanceAnswers429AfterTenFailuresAMinuteAndOnlyToThatAddress() {
        RawHttp guesser = throttled.from("127.2.0.1");
        for (int i = 0; i < 10; i++) {
            assertEquals(401, guesser.get("/nodes", "Authorization", bearer(Credentials.token())).status(), "failure " + i);
        }
        RawHttp.Answer refused = guesser.get("/nodes", "Authorization", bearer(Credentials.token()));
        assertEquals(429, refused.status(), refused.toString());
        assertEquals("urn:captier:problem:rate-limited", refused.problemType());
        int retryAfter = Integer.parseInt(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 6, "one more try every 6 s: " + retryAfter);
        assertEquals(429, guesser.get("/nodes", "Authorization", bearer(Credentials.READ_WRITE)).status(),
                "from a throttled address, even a valid key is not checked");
        assertEquals(200, throttled.from("127.2.0.2").get("/nodes", "Authorization", bearer(Credentials.READ_WRITE))
                .status(), "a valid key from elsewhere is unaffected");

        // No key at all counts the same.
        RawHttp anonymous = throttled.from("127.2.0.3");
        for (int i = 0; i < 10; i++) {
            assertEquals(401, anonymous.get("/read/x").status());
        }
        assertEquals(429, anonymous.get("/read/x").status());

        // X-Forwarded-For is believed from the trusted proxy (NGINX's 127.0.0.2) only: not from a
        // client on 127.0.0.1, nor from anywhere else.
        RawHttp spoofer = throttled.from("127.2.0.4");
        for (int i = 0; i < 10; i++) {
            spoofer.get("/nodes", "X-Forwarded-For", "10.9.0." + i);
        }
        assertEquals(429, spoofer.get("/nodes", "X-Forwarded-For", "10.9.1.1").status(),
                "a forged X-Forwarded-For does not make a new client");
        RawHttp local = throttled.from("127.0.0.1");
        for (int i = 0; i < 10; i++) {
            local.get("/nodes", "X-Forwarded-For", "10.7.0." + i);
        }
        assertEquals(429, local.get("/nodes", "X-Forwarded-For", "10.7.1.1").status(),
                "127.0.0.1 is not the proxy: its X-Forwarded-For is not believed");
        RawHttp proxy = throttled.from(StackFiles.NGINX_PROXY_ADDRESS);
        for (int i = 0; i < 10; i++) {
            proxy.get("/nodes", "X-Forwarded-For", "10.8.0.1");
        }
        assertEquals(429, proxy.get("/nodes", "X-Forwarded-For", "10.8.0.1").status());
        assertEquals(200, proxy.get("/nodes", "X-Forwarded-For", "10.8.0.2", "Authorization",
                bearer(Credentials.READ_WRITE)).status(), "behind the proxy, another client is another address");
    }

    @Example
    void nginxAnswers429AfterTenFailuresAMinuteAcrossItsPool() {
        for (String name : List.of("cp-nginx", "ap-nginx")) {
            String address = nextAddress();
            RawHttp guesser = targets.get(name).from(address);
            for (int i = 0; i < 10; i++) {
                RawHttp.Answer failed = guesser.get("/nodes", "Authorization", bearer(Credentials.token()));
                assertEquals(401, failed.status(), name + " failure " + i + ": " + failed);
                assertEquals("Bearer realm=\"captier\"", failed.header("WWW-Authenticate"));
                assertEquals("urn:captier:problem:unauthenticated", failed.problemType());
            }
            RawHttp.Answer refused = guesser.get("/nodes", "Authorization", bearer(Credentials.token()));
            assertEquals(429, refused.status(), name + ": " + refused);
            assertEquals("urn:captier:problem:rate-limited", refused.problemType());
            assertNotNull(refused.header("Retry-After"));
            assertEquals(200, targets.get(name).from(nextAddress()).get("/nodes", "Authorization",
                    bearer(Credentials.READ_WRITE)).status(), name + ": a valid key from elsewhere is unaffected");
        }
    }

    // --- helpers ----------------------------------------------------------------------------------

    private static RawHttp.Answer write(RawHttp t, String path) {
        return t.send("POST", path, null, "Authorization", bearer(Credentials.READ_WRITE));
    }

    private static RawHttp.Answer read(RawHttp t, String path) {
        return t.get(path, "Authorization", bearer(Credentials.READ_WRITE), "Accept", "application/octet-stream");
    }

    /** A loopback address no earlier request of this run used: 127.1.0.1, 127.1.0.2, ... */
    static String nextAddress() {
        int n = ADDRESSES.getAndIncrement();
        return "127.1." + (n / 250 % 250) + "." + (n % 250 + 1);
    }

    static String bearer(String key) {
        return "Bearer " + key;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Every byte as %XX, even unreserved ones. */
    static String percentEncodeAll(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            b.append(String.format("%%%02X", x & 0xff));
        }
        return b.toString();
    }

    private static String describe(String key) {
        return key.codePoints().mapToObj(cp -> String.format("U+%04X", cp)).toList().toString();
    }

    private static String text(List<Integer> codePoints) {
        StringBuilder b = new StringBuilder();
        codePoints.forEach(b::appendCodePoint);
        return b.toString();
    }

    /** Neither PostgreSQL (asked directly) nor Redis holds a key with this prefix. */
    private static void assertNothingStoredUnder(String prefix) {
        Topology t = stack.topology;
        List<List<String>> rows = t.sql(t.pgPrimary(), "SELECT count(*) FROM kv WHERE key LIKE '" + prefix + "%'");
        assertEquals("0", rows.get(0).get(0), "PostgreSQL holds keys under " + prefix);
        String keys = t.redis(t.redisMaster(), "KEYS", "captier:kv:" + prefix + "*");
        assertTrue(keys.isBlank(), "Redis holds keys under " + prefix + ": " + keys);
    }
}
