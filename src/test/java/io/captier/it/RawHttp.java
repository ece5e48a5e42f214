package io.captier.it;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request written byte for byte, as a hostile client would: the request target
 * goes out exactly as given (matrix parameters, dot segments, bad escapes, raw bytes), which
 * java.net.http would normalise or refuse. The connection may be bound to a chosen loopback
 * address (127.0.0.2, ...), so that one test can be several clients to a per-address
 * throttle. Plain or TLS (NGINX with its development certificate). One request per
 * connection ({@code Connection: close}); the answer is read to the end of the stream.
 */
public final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TIMEOUT_MS = 15_000;

    private final String host;
    private final int port;
    private final SSLContext tls;
    private final String localAddress;

    /**
     * @param baseUrl      http://127.0.0.1:PORT or https://127.0.0.1:PORT
     * @param tls          trusts the server's certificate when the URL is https, else null
     * @param localAddress the loopback address to send from (127.0.0.1 when null)
     */
    public RawHttp(String baseUrl, SSLContext tls, String localAddress) {
        java.net.URI uri = java.net.URI.create(baseUrl);
        this.host = uri.getHost();
        this.port = uri.getPort();
        this.tls = "https".equals(uri.getScheme()) ? tls : null;
        this.localAddress = localAddress;
        if ("https".equals(uri.getScheme()) && tls == null) {
            throw new IllegalArgumentException("an https URL needs the SSLContext that trusts it");
        }
    }

    /** The same server, sent to from another loopback address. */
    public RawHttp from(String address) {
        return new RawHttp((tls == null ? "http://" : "https://") + host + ":" + port, tls, address);
    }

    /** An answer: status, headers (names in lower case) and the body as received. */
    public record Answer(int status, Map<String, List<String>> headers, byte[] body) {

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as a JSON object. */
        public Map<String, Object> json() {
            try {
                return JSON.readValue(body, new TypeReference<>() { });
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + this, e);
            }
        }

        /** The problem type of a problem+json answer, or null. */
        public String problemType() {
            String type = header("Content-Type");
            if (type == null || !type.startsWith("application/problem+json")) {
                return null;
            }
            try {
                Map<String, Object> json = JSON.readValue(body, new TypeReference<>() { });
                Object t = json.get("type");
                return t == null ? null : t.toString();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    /**
     * @param target  the request target, sent as is (ISO-8859-1 bytes, so a char above U+007F is one raw byte)
     * @param headers name, value, name, value... (Host and Connection are added)
     * @param body    the body, or null for none
     */
    public Answer send(String method, String target, byte[] body, String... headers) {
        try (Socket socket = connect()) {
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            head.append("Host: ").append(host).append(':').append(port).append("\r\n");
            head.append("Connection: close\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(socket.getInputStream(), "HEAD".equals(method));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + shown(target), e);
        }
    }

    public Answer get(String target, String... headers) {
        return send("GET", target, null, headers);
    }

    private Socket connect() throws IOException {
        InetAddress local = InetAddress.getByName(localAddress == null ? "127.0.0.1" : localAddress);
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(local, 0));
        plain.connect(new InetSocketAddress(host, port), 5000);
        if (tls == null) {
            return plain;
        }
        SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
        secure.startHandshake();
        return secure;
    }

    private static Answer read(InputStream in, boolean head) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            if (all.size() == 0) {
                throw e;
            }
        } catch (IOException e) {
            // A server that refuses early may reset the connection after its answer.
            if (all.size() == 0) {
                throw e;
            }
        }
        byte[] bytes = all.toByteArray();
        int end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new IOException("no complete answer: " + new String(bytes, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
            }
        }
        byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        List<String> chunked = headers.get("transfer-encoding");
        byte[] body = head ? new byte[0]
                : chunked != null && chunked.contains("chunked") ? dechunk(rest) : rest;
        return new Answer(status, headers, body);
    }

    private static byte[] dechunk(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < raw.length) {
            int lineEnd = indexOf(java.util.Arrays.copyOfRange(raw, at, raw.length), "\r\n".getBytes()) + at;
            if (lineEnd < at) {
                break;
            }
            String sizeLine = new String(raw, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = Integer.parseInt(sizeLine, 16);
            if (size == 0) {
                break;
            }
            out.write(raw, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A target for a message: at most 120 characters. */
    static String shown(String target) {
        return target.length() > 120 ? target.substring(0, 120) + "...(" + target.length() + " chars)" : target;
    }
}
