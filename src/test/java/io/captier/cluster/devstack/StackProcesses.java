package io.captier.cluster.devstack;

import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The production stack's helper servers (NGINX, Prometheus, Alertmanager, Redis from redis/):
 * each in a temp directory of its own with a {@link Watchdog}, started as an {@link OsProcess}
 * and awaited until it answers.
 */
final class StackProcesses {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private StackProcesses() {
    }

    /** A new temp directory others can traverse (NGINX workers and the postgres user are not root). */
    static Path newDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Launches {@code command} and waits until {@code ready} holds. Returns null (the process killed)
     * when it exits first, which is what a port taken since it was found free looks like; throws when it
     * runs but never gets ready.
     */
    static OsProcess launch(String what, List<String> command, Path log, Path dir, Map<String, String> env,
            Watchdog watchdog, BooleanSupplier ready, Duration timeout) {
        OsProcess p = OsProcess.launch(command, log, dir, env, watchdog);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!p.isAlive()) {
                return null;
            }
            try {
                if (ready.getAsBoolean()) {
                    return p;
                }
            } catch (RuntimeException notYet) {
                // not answering yet
            }
            if (System.nanoTime() > deadline) {
                p.kill();
                throw new IllegalStateException(what + " not ready after " + timeout.toSeconds() + " s:\n"
                        + Processes.tail(log, 30));
            }
            Processes.sleep(50);
        }
    }

    /** Runs {@code launch} on a new server; on failure the server is closed (its processes stopped). */
    static <T extends AutoCloseable> T started(T server, java.util.function.Consumer<T> launch) {
        try {
            launch.accept(server);
            return server;
        } catch (RuntimeException | Error e) {
            try {
                server.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String get(String url) {
        HttpResponse<String> r = send(url);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static boolean ok(String url) {
        try {
            return send(url).statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static HttpResponse<String> send(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the process (sig, then kill -9 after the grace), the watchdog, and removes the directory. */
    static void stop(OsProcess p, String sig, Watchdog watchdog, Path dir) {
        if (p != null) {
            p.terminate(sig, Duration.ofSeconds(5));
        }
        watchdog.close();
        if (Boolean.getBoolean("captier.topology.keep")) {
            System.err.println("captier stack: kept " + dir);
        } else {
            Processes.deleteTree(dir);
        }
    }
}
