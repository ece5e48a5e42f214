package io.captier.client;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * An in-process HTTP server on 127.0.0.1 that plays scripted answers in order, then a
 * default one, and records every request. For the client's and the CLI's behaviour tests.
 */
public final class ScriptedServer implements AutoCloseable {

    /** One request as received. */
    public record Request(String method, String rawPath, Headers headers, byte[] body) {
        public String header(String name) {
            return headers.getFirst(name);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One answer: what to do with the exchange. */
    @FunctionalInterface
    public interface Reply {
        void answer(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Deque<Reply> script = new ArrayDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Reply> fallback = r -> problem(500, "internal", "no scripted answer left");

    public ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Queues answers, played one per request in order. */
    public synchronized ScriptedServer then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** What every request gets once the script is played. */
    public ScriptedServer otherwise(Function<Request, Reply> reply) {
        this.fallback = reply;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Request r = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
        requests.add(r);
        Reply reply;
        synchronized (this) {
            reply = script.poll();
        }
        (reply != null ? reply : fallback.apply(r)).answer(exchange);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- answers

    /** A JSON answer with headers given as name, value, name, value, ... */
    public static Reply json(int status, String body, String... headers) {
        return send(status, "application/json", body, headers);
    }

    /** A captier problem: {@code members} is more JSON members, e.g. {@code "outcome":"unknown"}, or "". */
    public static Reply problem(int status, String name, String members, String... headers) {
        String body = "{\"type\":\"urn:captier:problem:" + name + "\",\"title\":\"" + name + "\",\"status\":" + status
                + ",\"detail\":\"scripted " + name + "\"" + (members.isEmpty() ? "" : "," + members) + "}";
        return send(status, "application/problem+json", body, headers);
    }

    /** Reads the request, then closes the connection without an answer. */
    public static Reply drop() {
        // Closing an exchange before its response headers closes the connection itself.
        return HttpExchange::close;
    }

    public static Reply send(int status, String contentType, String body, String... headers) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            for (int i = 0; i + 1 < headers.length; i += 2) {
                exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** A write's 200 answer as captier gives it. */
    public static Reply written(String key, long version, String... headers) {
        String[] all = new String[headers.length + 4];
        all[0] = "ETag";
        all[1] = "\"" + version + "\"";
        all[2] = "X-Session-Token";
        all[3] = "session-after-" + version;
        System.arraycopy(headers, 0, all, 4, headers.length);
        return json(200, "{\"key\":\"" + key + "\",\"version\":\"" + version + "\",\"origin\":\"consistent-1\","
                + "\"mode\":\"consistent\",\"durability\":\"primary\",\"session\":\"session-after-" + version + "\"}", all);
    }

    /** A read's 200 answer with a text value. */
    public static Reply value(String key, String text, long version, String... headers) {
        return json(200, "{\"key\":\"" + key + "\",\"value\":\"" + text + "\",\"content_type\":\"text/plain; charset=utf-8\","
                + "\"version\":\"" + version + "\",\"source\":\"redis-replica\",\"staleness_ms\":100,\"stale\":false,"
                + "\"mode\":\"available\"}", headers);
    }
}
