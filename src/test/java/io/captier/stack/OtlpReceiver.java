package io.captier.stack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver (protobuf, POST /v1/traces) on a free 127.0.0.1 port, standing in
 * for Jaeger's collector: it decodes just enough of ExportTraceServiceRequest to keep each span's
 * name, kind and whether it has a parent.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span. Kind as OTLP numbers it: 1 internal, 2 server, 3 client. */
    record Span(String name, int kind, boolean hasParent) {
    }

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        OtlpReceiver r = new OtlpReceiver(server);
        server.createContext("/", r::handle);
        server.start();
        return r;
    }

    /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Span> spans() {
        return List.copyOf(spans);
    }

    List<String> paths() {
        return List.copyOf(paths);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            InputStream in = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            byte[] body = in.readAllBytes();
            if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                spans.addAll(decode(body));
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    /** ExportTraceServiceRequest: resource_spans = 1 -> ResourceSpans: scope_spans = 2 ->
     *  ScopeSpans: spans = 2 -> Span: parent_span_id = 4, name = 5, kind = 6. */
    static List<Span> decode(byte[] request) throws IOException {
        List<Span> out = new ArrayList<>();
        for (Field rs : fields(request)) {
            if (rs.number != 1) {
                continue;
            }
            for (Field ss : fields(rs.bytes)) {
                if (ss.number != 2) {
                    continue;
                }
                for (Field sp : fields(ss.bytes)) {
                    if (sp.number != 2) {
                        continue;
                    }
                    String name = "";
                    int kind = 0;
                    boolean parent = false;
                    for (Field f : fields(sp.bytes)) {
                        switch (f.number) {
                            case 4 -> parent = f.bytes.length > 0;
                            case 5 -> name = new String(f.bytes, java.nio.charset.StandardCharsets.UTF_8);
                            case 6 -> kind = (int) f.value;
                            default -> { }
                        }
                    }
                    out.add(new Span(name, kind, parent));
                }
            }
        }
        return out;
    }

    private record Field(int number, long value, byte[] bytes) {
    }

    /** The fields of one protobuf message (wire types 0, 1, 2, 5). */
    private static List<Field> fields(byte[] message) throws IOException {
        List<Field> fields = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(message);
        while (in.available() > 0) {
            long key = varint(in);
            int number = (int) (key >>> 3);
            switch ((int) (key & 7)) {
                case 0 -> fields.add(new Field(number, varint(in), new byte[0]));
                case 1 -> fields.add(new Field(number, 0, in.readNBytes(8)));
                case 2 -> fields.add(new Field(number, 0, in.readNBytes((int) varint(in))));
                case 5 -> fields.add(new Field(number, 0, in.readNBytes(4)));
                default -> throw new IOException("unsupported protobuf wire type in key " + key);
            }
        }
        return fields;
    }

    private static long varint(InputStream in) throws IOException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("truncated varint");
            }
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IOException("varint too long");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
