package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A client of one captier endpoint (an instance, or NGINX in front of a pool), as one API
 * key, in one session. Paths, headers and answers follow captier's README, section "API";
 * the API key goes in {@code Authorization: Bearer} (section "Authentication").
 *
 * <p><b>Thread-safe</b>, and meant to be shared: it holds one {@link HttpClient} (a connection
 * pool) and the session token. Nothing is static; make one per endpoint, key or session.
 *
 * <p><b>Session.</b> Every read and write sends the last {@code X-Session-Token} this client
 * received, and every answer that carries one replaces it: read-your-writes and monotonic
 * reads across instances (docs/architecture.md A7). Tokens are opaque and signed, so answers that arrive
 * concurrently cannot be merged; the last one received wins, and a guarantee about a key that
 * a concurrent call alone observed can be lost. Give each logical session (a thread, a user)
 * a client of its own where that matters.
 *
 * <p><b>Retries.</b> A call is sent up to {@code maxAttempts} times in all while its failure is
 * {@linkplain CaptierException#retryable() retryable}: no answer, 429 {@code rate-limited},
 * 502 {@code no-instance}, 503 {@code unavailable}, {@code session-behind},
 * {@code outcome-unknown}. The waits honour {@code Retry-After} (RFC 9110 section 10.2.3)
 * with bounded exponential backoff and jitter; a {@code Retry-After} longer than
 * {@code maxBackoff} ends the retries. Each logical write or delete is sent with one
 * {@code Idempotency-Key} (a random UUID unless given), the same on every attempt, so it is
 * applied at most once; a retry that finds it applied gets the first answer
 * ({@link WriteResult#replayed()}).
 *
 * <p><b>Failures</b> are {@link CaptierException}s, one subclass per kind of RFC 9457 problem.
 * A write whose outcome is still open after its last attempt throws
 * {@link OutcomeUnknownException}, never a failure that would read as "not applied".
 */
public final class CaptierClient {

    /** The content type {@link #write(String, String)} sends text with. */
    public static final String TEXT_UTF8 = "text/plain; charset=utf-8";

    private final URI baseUri;
    private final Session session;
    private final Exchanges exchanges;

    private CaptierClient(Builder b) {
        this.baseUri = b.baseUri;
        this.session = new Session(b.sessionToken);
        HttpClient.Builder http = HttpClient.newBuilder()
                // HTTP/1.1: no h2c upgrade attempts on plain http; concurrency comes from the pool.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(b.connectTimeout);
        if (b.sslContext != null) {
            http.sslContext(b.sslContext);
        }
        this.exchanges = new Exchanges(http.build(), b.baseUri, b.apiKey, b.requestTimeout, session,
                new Backoff(b.initialBackoff, b.maxBackoff, () -> ThreadLocalRandom.current().nextDouble()),
                b.maxAttempts);
    }

    /** @return a builder; {@link Builder#baseUri(URI)} and {@link Builder#apiKey(String)} are required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the endpoint this client calls */
    public URI baseUri() {
        return baseUri;
    }

    // ---- reads

    /**
     * Reads a key ({@code GET /read/{key}}).
     *
     * @param key the key (see {@link KeyEncoding})
     * @return its value, or empty when it has none (never written, or deleted)
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws CaptierException         when the read fails (see {@link #readRequired(String, ReadOptions)})
     */
    public Optional<ReadResult> read(String key) {
        return read(key, ReadOptions.defaults());
    }

    /**
     * Reads a key with options ({@code X-Max-Staleness-Ms}).
     *
     * @param key     the key
     * @param options the read's options
     * @return its value, or empty when it has none (never written, or deleted: use
     *         {@link #readRequired(String, ReadOptions)} to see a delete's version)
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws CaptierException         when the read fails (see {@link #readRequired(String, ReadOptions)})
     */
    public Optional<ReadResult> read(String key, ReadOptions options) {
        try {
            return Optional.of(readRequired(key, options));
        } catch (NotFoundException absent) {
            return Optional.empty();
        }
    }

    /**
     * Reads a key that is expected to have a value.
     *
     * @param key     the key
     * @param options the read's options
     * @return its value
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws NotFoundException        when it has none; for a deleted key with the tombstone's version
     * @throws UnavailableException     when the profile cannot answer within its contract, or no
     *                                  source meets {@code maxStalenessMs} (after the retries)
     * @throws SessionBehindException   when no reachable source has caught up with this session
     * @throws CaptierException         for any other failure: {@link UnauthenticatedException},
     *                                  {@link ForbiddenException}, {@link BadRequestException}, ...
     */
    public ReadResult readRequired(String key, ReadOptions options) {
        Objects.requireNonNull(options, "options");
        Map<String, String> headers = options.maxStalenessMs().isPresent()
                ? Map.of("Accept", "application/json", "X-Max-Staleness-Ms", Long.toString(options.maxStalenessMs().getAsLong()))
                : Map.of("Accept", "application/json");
        Answer a = exchanges.execute(new Call("GET", "/read/" + KeyEncoding.encode(key), headers, null, null, true, true));
        return ReadResult.fromJson(json(a));
    }

    // ---- writes

    /**
     * Sets a key to bytes ({@code POST /write/{key}}, the body is the value).
     *
     * @param key         the key
     * @param value       the value, any bytes up to the service's {@code MAX_VALUE_BYTES} (1 MiB by default)
     * @param contentType its content type, kept and returned by reads; null for
     *                    {@code application/octet-stream}
     * @return the acknowledgement: 200 committed on the primary, or 202 buffered
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws CaptierException         as {@link #write(String, byte[], String, WriteOptions)}
     */
    public WriteResult write(String key, byte[] value, String contentType) {
        return write(key, value, contentType, WriteOptions.defaults());
    }

    /**
     * Sets a key to text, sent as UTF-8 with {@value #TEXT_UTF8}.
     *
     * @param key   the key
     * @param value the text
     * @return the acknowledgement
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws CaptierException         as {@link #write(String, byte[], String, WriteOptions)}
     */
    public WriteResult write(String key, String value) {
        return write(key, utf8(value), TEXT_UTF8, WriteOptions.defaults());
    }

    /**
     * Sets a key, under a precondition and/or with a given Idempotency-Key.
     *
     * @param key         the key
     * @param value       the value's bytes
     * @param contentType its content type; null for {@code application/octet-stream}
     * @param options     the precondition and Idempotency-Key
     * @return the acknowledgement
     * @throws IllegalArgumentException       when the key cannot be stored or addressed
     * @throws PreconditionFailedException    when the precondition does not hold (nothing changed)
     * @throws OutcomeUnknownException        when the write may or may not have been applied after
     *                                        the last attempt: resend with {@link CaptierException#idempotencyKey()}
     * @throws UnavailableException           when it was not applied (after the retries)
     * @throws ValueTooLargeException         when the value is too large
     * @throws IdempotencyKeyReusedException  when a given Idempotency-Key was used for another request
     * @throws CaptierException               for any other failure
     */
    public WriteResult write(String key, byte[] value, String contentType, WriteOptions options) {
        Objects.requireNonNull(value, "value");
        String type = contentType == null || contentType.isBlank() ? "application/octet-stream" : contentType;
        return send("POST", key, value, options, Map.of("Content-Type", type));
    }

    /**
     * Deletes a key ({@code DELETE /write/{key}}): a versioned tombstone, so the delete
     * reconciles like a write.
     *
     * @param key the key
     * @return the acknowledgement; its version is the tombstone's
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws CaptierException         as {@link #write(String, byte[], String, WriteOptions)}
     */
    public WriteResult delete(String key) {
        return delete(key, WriteOptions.defaults());
    }

    /**
     * Deletes a key under a precondition and/or with a given Idempotency-Key.
     *
     * @param key     the key
     * @param options the precondition and Idempotency-Key
     * @return the acknowledgement
     * @throws IllegalArgumentException when the key cannot be stored or addressed
     * @throws CaptierException         as {@link #write(String, byte[], String, WriteOptions)}
     */
    public WriteResult delete(String key, WriteOptions options) {
        return send("DELETE", key, null, options, Map.of());
    }

    // ---- compare-and-set (RFC 9110 section 13.1; docs/architecture.md C5)

    /**
     * Sets a key only if its current value has the given version ({@code If-Match: "<version>"}).
     *
     * @param key             the key
     * @param expectedVersion the version last read or written
     * @param value           the new value's bytes
     * @param contentType     its content type; null for {@code application/octet-stream}
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key is at another version, or has no value
     * @throws UnavailableException        when the primary is unreachable (a conditional write needs it)
     * @throws CaptierException            as {@link #write(String, byte[], String, WriteOptions)}
     */
    public WriteResult compareAndSet(String key, long expectedVersion, byte[] value, String contentType) {
        return write(key, value, contentType, WriteOptions.when(Precondition.versionMatches(expectedVersion)));
    }

    /**
     * Sets a key to text only if its current value has the given version.
     *
     * @param key             the key
     * @param expectedVersion the version last read or written
     * @param value           the new text, sent as UTF-8
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key is at another version, or has no value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult compareAndSet(String key, long expectedVersion, String value) {
        return compareAndSet(key, expectedVersion, utf8(value), TEXT_UTF8);
    }

    /**
     * Sets a key only if it has no value: never written, or deleted ({@code If-None-Match: *}).
     *
     * @param key         the key
     * @param value       the value's bytes
     * @param contentType its content type; null for {@code application/octet-stream}
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key has a value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult createIfAbsent(String key, byte[] value, String contentType) {
        return write(key, value, contentType, WriteOptions.when(Precondition.absent()));
    }

    /**
     * Sets a key to text only if it has no value.
     *
     * @param key   the key
     * @param value the text, sent as UTF-8
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key has a value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult createIfAbsent(String key, String value) {
        return createIfAbsent(key, utf8(value), TEXT_UTF8);
    }

    /**
     * Sets a key only if it has a value, whatever its version ({@code If-Match: *}).
     *
     * @param key         the key
     * @param value       the value's bytes
     * @param contentType its content type; null for {@code application/octet-stream}
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key has no value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult replaceIfPresent(String key, byte[] value, String contentType) {
        return write(key, value, contentType, WriteOptions.when(Precondition.exists()));
    }

    /**
     * Sets a key to text only if it has a value.
     *
     * @param key   the key
     * @param value the text, sent as UTF-8
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key has no value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult replaceIfPresent(String key, String value) {
        return replaceIfPresent(key, utf8(value), TEXT_UTF8);
    }

    /**
     * Deletes a key only if its current value has the given version.
     *
     * @param key             the key
     * @param expectedVersion the version last read or written
     * @return the acknowledgement; its version is the tombstone's
     * @throws PreconditionFailedException when the key is at another version, or has no value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult compareAndDelete(String key, long expectedVersion) {
        return delete(key, WriteOptions.when(Precondition.versionMatches(expectedVersion)));
    }

    /**
     * Deletes a key only if it has a value ({@code If-Match: *}).
     *
     * @param key the key
     * @return the acknowledgement
     * @throws PreconditionFailedException when the key has no value
     * @throws CaptierException            as {@link #compareAndSet(String, long, byte[], String)}
     */
    public WriteResult deleteIfPresent(String key) {
        return delete(key, WriteOptions.when(Precondition.exists()));
    }

    // ---- operations

    /**
     * The topology as the answering instance sees it ({@code GET /nodes}; needs the {@code read} role).
     *
     * @return every PostgreSQL node, Redis data node and sentinel, in the service's order
     * @throws CaptierException when the call fails
     */
    public List<NodeInfo> nodes() {
        return list("/nodes", NodeInfo::fromJson);
    }

    /**
     * The answering instance's circuit breakers ({@code GET /circuit-breaker}; needs the {@code read} role).
     *
     * @return every breaker, in the service's order
     * @throws CaptierException when the call fails
     */
    public List<BreakerInfo> breakers() {
        return list("/circuit-breaker", BreakerInfo::fromJson);
    }

    /**
     * Whether the answering instance can keep its profile's contract now
     * ({@code GET /health/ready}, open: sent without the API key). One attempt, no retries.
     *
     * @return true on 200; false on any other answer or none
     */
    public boolean ready() {
        return exchanges.probe(new Call("GET", "/health/ready", Map.of("Accept", "application/json"), null, null,
                false, false)) == 200;
    }

    // ---- session

    /** @return the session token the next read or write will send, if any */
    public Optional<String> sessionToken() {
        return session.current();
    }

    /**
     * Forgets the session token: the next call starts a new session, without the old one's
     * read-your-writes and monotonic-read floor (after a {@link BadSessionException}, say).
     */
    public void resetSession() {
        session.reset();
    }

    /** @return the endpoint, never the API key */
    @Override
    public String toString() {
        return "CaptierClient[" + baseUri + "]";
    }

    private WriteResult send(String method, String key, byte[] body, WriteOptions options, Map<String, String> extra) {
        Objects.requireNonNull(options, "options");
        String idempotencyKey = options.idempotencyKey().orElseGet(() -> UUID.randomUUID().toString());
        Map<String, String> headers = new java.util.LinkedHashMap<>(extra);
        headers.put("Accept", "application/json");
        options.precondition().headerName().ifPresent(h -> headers.put(h, options.precondition().headerValue().orElseThrow()));
        Answer a = exchanges.execute(new Call(method, "/write/" + KeyEncoding.encode(key), headers, body, idempotencyKey,
                true, true));
        JsonNode json = json(a);
        long version = Json.wholeNumber(json, "version").orElseGet(() -> etagVersion(a));
        boolean replayed = a.headers().firstValue("Idempotent-Replayed").map("true"::equalsIgnoreCase).orElse(false)
                || Json.flag(json, "replayed");
        return new WriteResult(Optional.ofNullable(Json.text(json, "key")).orElse(key), version, Json.text(json, "origin"),
                Json.text(json, "mode"), Json.text(json, "durability"), a.status(), replayed, idempotencyKey, json);
    }

    private <T> List<T> list(String path, Function<JsonNode, T> item) {
        JsonNode array = json(exchanges.execute(new Call("GET", path, Map.of("Accept", "application/json"), null, null,
                true, false)));
        List<T> items = new ArrayList<>();
        array.forEach(n -> items.add(item.apply(n)));
        return List.copyOf(items);
    }

    private static long etagVersion(Answer a) {
        String etag = a.headers().firstValue("ETag").orElse("").replace("W/", "").replace("\"", "").trim();
        try {
            return Long.parseLong(etag);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the write answer has no version (neither in its body nor its ETag)");
        }
    }

    private static JsonNode json(Answer a) {
        try {
            return Json.MAPPER.readTree(a.body());
        } catch (IOException e) {
            throw new UncheckedIOException("the answer's body is not JSON", e);
        }
    }

    private static byte[] utf8(String text) {
        return Objects.requireNonNull(text, "value").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Configures a {@link CaptierClient}. Not thread-safe; the client it builds is.
     */
    public static final class Builder {

        private URI baseUri;
        private String apiKey;
        private SSLContext sslContext;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private String sessionToken;

        private Builder() {
        }

        /**
         * @param baseUri the endpoint: {@code http://127.0.0.1:5001} (an instance) or
         *                {@code https://localhost:8443} (NGINX); a path prefix is kept
         * @return this builder
         */
        public Builder baseUri(URI baseUri) {
            this.baseUri = baseUri;
            return this;
        }

        /**
         * @param baseUri the endpoint, as text
         * @return this builder
         * @throws IllegalArgumentException when it is no URI
         */
        public Builder baseUri(String baseUri) {
            return baseUri(URI.create(baseUri));
        }

        /**
         * @param apiKey the API key (from {@code scripts/new-api-key}), sent as
         *               {@code Authorization: Bearer <key>}; never logged or shown by the client
         * @return this builder
         */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /**
         * @param sslContext the TLS context for {@code https} (e.g. {@link PemTrust#sslContext});
         *                   default: the JDK's trust store
         * @return this builder
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * @param timeout how long to wait for a TCP (and TLS) connection, positive; default 2 s
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * @param timeout how long one attempt may take until its answer's headers, positive;
         *                default 10 s. A write that times out has an unknown outcome and is retried
         *                with its Idempotency-Key.
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * @param maxAttempts how many requests one call may send in all, at least 1 (1: no
         *                    retries); default 5
         * @return this builder
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * @param backoff the first wait's upper bound, doubled per attempt; positive; default 100 ms
         * @return this builder
         */
        public Builder initialBackoff(Duration backoff) {
            this.initialBackoff = backoff;
            return this;
        }

        /**
         * @param backoff the longest wait between two attempts, at least the initial backoff;
         *                default 5 s. An answer whose {@code Retry-After} asks for longer ends the retries.
         * @return this builder
         */
        public Builder maxBackoff(Duration backoff) {
            this.maxBackoff = backoff;
            return this;
        }

        /**
         * @param token a session token to continue (one {@link #sessionToken()} returned,
         *              issued to the same API key); default none: a new session
         * @return this builder
         */
        public Builder sessionToken(String token) {
            this.sessionToken = token;
            return this;
        }

        /**
         * @return the client
         * @throws IllegalArgumentException when a setting is missing or out of range
         */
        public CaptierClient build() {
            if (baseUri == null || !baseUri.isAbsolute() || baseUri.getHost() == null
                    || !("http".equalsIgnoreCase(baseUri.getScheme()) || "https".equalsIgnoreCase(baseUri.getScheme()))
                    || baseUri.getRawQuery() != null || baseUri.getRawFragment() != null) {
                throw new IllegalArgumentException("the base URI must be an absolute http(s) URI with a host, "
                        + "without query or fragment, e.g. http://127.0.0.1:5001");
            }
            // A token68 (RFC 9110 section 11.4) is visible ASCII; anything else is a pasting accident.
            if (apiKey == null || apiKey.isEmpty() || !apiKey.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("an API key is required: visible ASCII characters, no spaces");
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts is at least 1");
            }
            positive(connectTimeout, "connectTimeout");
            positive(requestTimeout, "requestTimeout");
            positive(initialBackoff, "initialBackoff");
            positive(maxBackoff, "maxBackoff");
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("maxBackoff is at least initialBackoff");
            }
            return new CaptierClient(this);
        }

        private static void positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }
}
