package io.captier.cluster.os;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A minimal RESP2 client for the harness: one connection per command, with a hard timeout, so that a
 * paused (SIGSTOPped) server makes a call fail fast instead of hanging the test (redis-cli has no
 * read timeout).
 */
public final class Resp {

    /** An error reply (-ERR ..., -READONLY ...). */
    public record Error(String message) {
    }

    private Resp() {
    }

    /**
     * Sends one command to 127.0.0.1:{@code port}, after AUTH when {@code password} is not null.
     * Returns String, Long, List&lt;Object&gt;, {@link Error} or null.
     */
    public static Object call(int port, String password, Duration timeout, String... command) throws IOException {
        return call("127.0.0.1", port, password, timeout, command);
    }

    /**
     * Like {@link #call(int, String, Duration, String...)} but to {@code host}: a harness network's
     * host address (io.captier.cluster.network), which its route check has vetted.
     */
    public static Object call(String host, int port, String password, Duration timeout, String... command)
            throws IOException {
        try (Socket socket = new Socket()) {
            int ms = (int) timeout.toMillis();
            socket.connect(new InetSocketAddress(host, port), ms);
            socket.setSoTimeout(ms);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (password != null) {
                write(out, "AUTH", password);
                Object auth = read(in);
                if (auth instanceof Error e) {
                    throw new IOException("AUTH on " + host + ":" + port + " failed: " + e.message());
                }
            }
            write(out, command);
            return read(in);
        }
    }

    /** The reply as text, roughly what redis-cli prints when not on a terminal: arrays one element per
     *  line (flattened), null as empty, errors as "(error) MESSAGE", CRLF turned into LF. */
    public static String text(Object reply) {
        if (reply == null) {
            return "";
        }
        if (reply instanceof Error e) {
            return "(error) " + e.message();
        }
        if (reply instanceof List<?> list) {
            return list.stream().map(Resp::text).collect(Collectors.joining("\n"));
        }
        return reply.toString().replace("\r\n", "\n").strip();
    }

    private static void write(OutputStream out, String... args) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            buf.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            buf.writeBytes(b);
            buf.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(buf.toByteArray());
        out.flush();
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed by server");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(len + 2);
                if (data.length < len + 2) {
                    throw new IOException("connection closed inside a bulk reply");
                }
                return new String(data, 0, len, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "'");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed inside a reply");
            }
            if (prev == '\r' && c == '\n') {
                byte[] b = buf.toByteArray();
                return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
            }
            buf.write(c);
            prev = c;
        }
    }
}
