package io.captier.cluster.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A plain HTTP client for one captier instance, as a user's program would talk to it.
 * It sends the run's read+write API key ({@link Credentials}) unless told to use another
 * one, or none ({@link #as}); a header passed to a call replaces the client's own.
 */
public final class Client {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final String apiKey;
    private final HttpClient http;

    public Client(String baseUrl) {
        this(baseUrl, Credentials.READ_WRITE, HTTP);
    }

    /** For an HTTPS endpoint whose certificate {@code tls} trusts (NGINX with a development certificate). */
    public Client(String baseUrl, javax.net.ssl.SSLContext tls) {
        this(baseUrl, Credentials.READ_WRITE,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build());
    }

    private Client(String baseUrl, String apiKey, HttpClient http) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        this.http = http;
    }

    /** The same instance with another API key; null sends no Authorization header at all. */
    public Client as(String apiKey) {
        return new Client(baseUrl, apiKey, http);
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** One answer: status, headers, body (parsed when JSON) and how long it took. */
    public record Answer(int status, Map<String, Object> json, byte[] body, HttpResponse<byte[]> raw, long millis) {

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String string(String member) {
            Object v = json == null ? null : json.get(member);
            return v == null ? null : v.toString();
        }

        public long version() {
            return Long.parseLong(string("version"));
        }

        public long stalenessMs() {
            return ((Number) json.get("staleness_ms")).longValue();
        }

        public String contentType() {
            return header("Content-Type");
        }

        @Override
        public String toString() {
            return status + " " + new String(body, StandardCharsets.UTF_8) + " (" + millis + " ms)";
        }
    }

    public Answer write(String key, String value, String... headers) {
        return send("POST", "/write/" + encode(key), HttpRequest.BodyPublishers.ofString(value), with(headers,
                "Content-Type", "text/plain; charset=utf-8"));
    }

    public Answer writeBytes(String key, byte[] value, String... headers) {
        return send("POST", "/write/" + encode(key), HttpRequest.BodyPublishers.ofByteArray(value), headers);
    }

    public Answer delete(String key, String... headers) {
        return send("DELETE", "/write/" + encode(key), HttpRequest.BodyPublishers.noBody(), headers);
    }

    public Answer read(String key, String... headers) {
        return send("GET", "/read/" + encode(key), HttpRequest.BodyPublishers.noBody(), headers);
    }

    /** Any request on a raw path (already encoded), for the odd cases. */
    public Answer send(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(15)).method(method, body);
        if (apiKey != null) {
            request.setHeader("Authorization", "Bearer " + apiKey);
        }
        // A name's first line replaces the default (Authorization); a repeated name adds a line.
        Set<String> named = new HashSet<>();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            if (named.add(headers[i].toLowerCase(Locale.ROOT))) {
                request.setHeader(headers[i], headers[i + 1]);
            } else {
                request.header(headers[i], headers[i + 1]);
            }
        }
        long started = System.nanoTime();
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            long millis = (System.nanoTime() - started) / 1_000_000;
            String type = response.headers().firstValue("Content-Type").orElse("");
            Map<String, Object> json = type.contains("json") && response.body().length > 0 && response.body()[0] == '{'
                    ? JSON.readValue(response.body(), new TypeReference<>() { })
                    : null;
            return new Answer(response.statusCode(), json, response.body(), response, millis);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Answer get(String path) {
        return send("GET", path, HttpRequest.BodyPublishers.noBody());
    }

    public <T> T getJson(String path, TypeReference<T> type) {
        try {
            return JSON.readValue(get(path).body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One series of /metrics (exact name and labels as printed), or -1 when it is not there. */
    public long metric(String series) {
        for (String line : new String(get("/metrics").body(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }

    /**
     * The staleness bound /nodes shows for one node (ms), as this instance computes it now.
     *
     * @param address the node's host:port as /nodes names it
     * @return the bound, {@link Long#MAX_VALUE} when /nodes shows none (null)
     * @throws java.util.NoSuchElementException /nodes does not list it
     */
    public long nodeStalenessMs(String address) {
        List<Map<String, Object>> nodes = getJson("/nodes", new TypeReference<>() { });
        Map<String, Object> node = nodes.stream().filter(n -> address.equals(n.get("node"))).findFirst().orElseThrow();
        return node.get("staleness_ms") instanceof Number bound ? bound.longValue() : Long.MAX_VALUE;
    }

    public static String encode(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String[] with(String[] headers, String... defaults) {
        String[] all = new String[headers.length + defaults.length];
        System.arraycopy(defaults, 0, all, 0, defaults.length);
        System.arraycopy(headers, 0, all, defaults.length, headers.length);
        return all;
    }
}
