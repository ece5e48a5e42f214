package io.captier.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import io.captier.cluster.topology.Topology;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian's webdis (a C HTTP gateway to Redis, with none of the service's guarantees) in front of one
 * Redis node: the best a plain HTTP-to-Redis hop does on this machine, the peer the available read
 * path is measured against. It runs from a temp directory of its own, in the foreground on a free
 * 127.0.0.1 port, registered with a {@link Watchdog} (which kills it if this JVM dies);
 * {@link #close()} stops it by its PID and removes the directory.
 */
final class Webdis implements AutoCloseable {

    /** webdis's worker threads: one per core, like the service's event loops. */
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** Redis connections per worker thread; hiredis pipelines on each, so a few carry many clients. */
    private static final int POOL_SIZE = 8;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final Watchdog watchdog;
    private final Topology.Node redis;
    private OsProcess process;
    private int port;

    private Webdis(Path dir, Topology.Node redis) {
        this.dir = dir;
        this.watchdog = Watchdog.start(dir);
        this.redis = redis;
    }

    /**
     * Starts webdis against {@code redis} (AUTH with {@code password}, none when null or empty) and
     * returns once it answers PING through Redis. Retries on a new port when the one found free was
     * taken meanwhile (webdis then exits at once).
     *
     * @throws IOException           when the temp directory or the configuration cannot be written
     * @throws IllegalStateException when webdis does not start, or starts but cannot reach Redis;
     *                               whatever was started is stopped and removed first
     */
    static Webdis start(Topology.Node redis, String password) throws IOException {
        Webdis w = new Webdis(Files.createTempDirectory("captier-bench-webdis-"), redis);
        try {
            for (int attempt = 1; w.process == null; attempt++) {
                w.launch(password);
                if (w.process == null && attempt == 3) {
                    throw new IllegalStateException("webdis did not start:\n" + Processes.tail(w.log(), 30));
                }
            }
            return w;
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** http://127.0.0.1:port, the base URL wrk gets. */
    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The Redis node webdis reads from. */
    Topology.Node redis() {
        return redis;
    }

    /**
     * One GET through webdis, e.g. {@code /HGETALL/captier:kv:bench-0}: the answer's body (JSON).
     *
     * @throws IllegalStateException when webdis does not answer 200
     */
    String get(String path) throws IOException, InterruptedException {
        // HTTP/1.1 only: webdis 0.1.9 answers nothing to the h2c upgrade java.net.http offers by default.
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("webdis GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private Path log() {
        return dir.resolve("webdis.log");
    }

    /** One attempt on a new port: sets {@link #process} once webdis answers, leaves it null if webdis exited. */
    private void launch(String password) throws IOException {
        port = FreePorts.next();
        // The keys of webdis 0.1.9's webdis.json (Debian's /etc/webdis/webdis.json); redis_auth is one
        // password string there (it sends "AUTH <password>"). In the foreground: the PID we hold is webdis's.
        Map<String, Object> conf = new LinkedHashMap<>();
        conf.put("redis_host", "127.0.0.1");
        conf.put("redis_port", redis.port());
        conf.put("redis_auth", password == null || password.isEmpty() ? null : password);
        conf.put("http_host", "127.0.0.1");
        conf.put("http_port", port);
        conf.put("threads", THREADS);
        conf.put("pool_size", POOL_SIZE);
        conf.put("daemonize", false);
        conf.put("websockets", false);
        conf.put("database", 0);
        // Warnings and errors only: a line per request would be a cost the service does not pay.
        conf.put("verbosity", 1);
        conf.put("logfile", log().toString());
        Path config = dir.resolve("webdis-" + port + ".json");
        new ObjectMapper().writeValue(config.toFile(), conf);

        OsProcess p = OsProcess.launch(List.of("webdis", config.toString()), dir.resolve("webdis.out"), dir, Map.of(),
                watchdog);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            if (!p.isAlive()) {
                return;
            }
            try {
                if (get("/PING").contains("PONG")) {
                    process = p;
                    return;
                }
            } catch (IOException | RuntimeException notYet) {
                // not listening yet, or not through to Redis yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.kill();
                throw new IllegalStateException("interrupted while webdis started", e);
            }
            if (System.nanoTime() > deadline) {
                p.kill();
                throw new IllegalStateException("webdis on port " + port + " did not answer PING through "
                        + redis.name() + " within " + READY_TIMEOUT.toSeconds() + " s:\n" + Processes.tail(log(), 30)
                        + "\n" + Processes.tail(dir.resolve("webdis.out"), 30));
            }
            Processes.sleep(50);
        }
    }

    /** SIGTERM to webdis's PID (kill -9 after 5 s), then the watchdog and the directory. */
    @Override
    public void close() {
        try {
            if (process != null) {
                process.terminate("TERM", Duration.ofSeconds(5));
            }
        } finally {
            watchdog.close();
            Processes.deleteTree(dir);
        }
    }
}
