package io.captier.cluster.devstack;

import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Resp;
import io.captier.cluster.os.Watchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Redis data nodes and sentinels started the way docker-compose.yml and k8s/ start them: by
 * redis/start.sh from redis/redis.conf and redis/sentinel.conf, as they are. Only the environment
 * differs: 127.0.0.1, free ports, a temp data directory per node.
 */
public final class RedisFromFiles implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir = StackProcesses.newDir("captier-redis-files-");
    private final Watchdog watchdog = Watchdog.start(dir);
    private final String password = Processes.randomSecret();
    private final List<OsProcess> processes = new ArrayList<>();
    private boolean closed;

    public RedisFromFiles() {
        Binaries.requireStackTools();
    }

    public String password() {
        return password;
    }

    /** A data node's or sentinel's working directory (REDIS_DATA_DIR). */
    public Path dataDir(String name) {
        return dir.resolve(name);
    }

    /** redis/start.sh server, with {@code env} added; returns the node's port once it answers PING. */
    public int server(String name, Map<String, String> env) {
        return start(name, "server", env, true);
    }

    /** redis/start.sh sentinel, with {@code env} added; returns its port once it answers PING. */
    public int sentinel(String name, Map<String, String> env) {
        return start(name, "sentinel", env, false);
    }

    private synchronized int start(String name, String role, Map<String, String> extra, boolean auth) {
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.next();
            Map<String, String> env = new HashMap<>();
            env.put("REDIS_PASSWORD", password);
            env.put("REDIS_BIND", "127.0.0.1");
            env.put("REDIS_PORT", Integer.toString(port));
            env.put("REDIS_DATA_DIR", dataDir(name).toString());
            env.put("REDIS_ANNOUNCE_HOST", "127.0.0.1");
            env.putAll(extra);
            OsProcess p = StackProcesses.launch(name, List.of("sh", StackFiles.project().path("redis/start.sh").toString(),
                    role), dir.resolve(name + ".log"), dir, env, watchdog,
                    () -> "PONG".equals(call(port, auth, "PING")), READY_TIMEOUT);
            if (p != null) {
                processes.add(p);
                return port;
            }
            if (attempt == 3) {
                throw new IllegalStateException(name + " did not start:\n" + logTail(name, 30));
            }
        }
    }

    /** One command; with {@code auth} as the data nodes' password. Errors come back as "(error) ...". */
    public String call(int port, boolean auth, String... command) {
        try {
            return Resp.text(Resp.call(port, auth ? password : null, Duration.ofSeconds(2), command));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(String name, int lines) {
        return Processes.tail(dir.resolve(name + ".log"), lines);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        processes.forEach(p -> p.terminate("KILL", Duration.ofSeconds(2)));
        StackProcesses.stop(null, "KILL", watchdog, dir);
    }
}
