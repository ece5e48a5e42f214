package io.captier.cluster.process;

import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Resp;
import io.captier.cluster.os.Watchdog;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How the harness runs Redis servers and sentinels: configuration, start, commands, and the checks
 * that the replication group and the sentinels are complete.
 *
 * <p>Config files are written once, when a node is created; afterwards they belong to the servers:
 * sentinels rewrite theirs (known replicas, sentinels, epochs) and a sentinel rewrites a server's
 * replicaof line on failover, so a restart must start from the file as the server left it.
 */
final class RedisNodes {

    static final String MASTER_NAME = "captier";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    final String password = Processes.randomSecret();
    private final Watchdog watchdog;
    private final TopologyOptions options;

    RedisNodes(Watchdog watchdog, TopologyOptions options) {
        this.watchdog = watchdog;
        this.options = options;
    }

    /** Starts a new Redis server, a replica of {@code master} unless that is null. */
    void startServer(Server s, Server master) {
        startNew(s, () -> writeServerConfig(s, master));
    }

    /** Starts a new sentinel that monitors {@code master}. */
    void startSentinel(Server s, Server master) {
        startNew(s, () -> writeSentinelConfig(s, master));
    }

    /** Starts a node again from its own config file; the port stays. */
    void restart(Server s) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!s.launch(command(s), Map.of(), watchdog, this::answersPing, READY_TIMEOUT)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(s.name + " did not restart:\n" + Processes.tail(s.log, 30));
            }
            Processes.sleep(500);
        }
    }

    private void startNew(Server s, Runnable writeConfig) {
        try {
            Files.createDirectories(s.dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int attempt = 1; ; attempt++) {
            writeConfig.run();
            if (s.launch(command(s), Map.of(), watchdog, this::answersPing, READY_TIMEOUT)) {
                return;
            }
            if (attempt == 3) {
                throw new IllegalStateException(s.name + " did not start (3 attempts):\n" + Processes.tail(s.log, 30));
            }
            // most likely the port was taken between finding it free and binding it
            s.changePort(FreePorts.next());
        }
    }

    private List<String> command(Server s) {
        String conf = s.dir.resolve(s.kind == Topology.Kind.SENTINEL ? "sentinel.conf" : "redis.conf").toString();
        return s.kind == Topology.Kind.SENTINEL ? List.of("redis-sentinel", conf) : List.of("redis-server", conf);
    }

    private void writeServerConfig(Server s, Server master) {
        String conf = """
                # written by the captier test harness for %s
                bind %s
                port %d
                dir %s
                daemonize no
                logfile ""
                protected-mode no
                appendonly yes
                appendfsync everysec
                save ""
                requirepass %s
                masterauth %s
                replica-announce-ip %s
                # a full sync starts at once instead of waiting 5 s for more replicas to join it
                repl-diskless-sync-delay 0
                """.formatted(s.name, s.host(), s.port(), s.dir, password, password, s.host());
        if (master != null) {
            conf += "replicaof " + master.host() + " " + master.port() + "\n";
        }
        write(s, "redis.conf", conf);
    }

    private void writeSentinelConfig(Server s, Server master) {
        String conf = """
                # written by the captier test harness for %s; the sentinel rewrites this file
                bind %s
                port %d
                dir %s
                daemonize no
                logfile ""
                protected-mode no
                sentinel resolve-hostnames no
                sentinel announce-ip %s
                sentinel monitor %s %s %d 2
                sentinel down-after-milliseconds %s %d
                sentinel failover-timeout %s %d
                sentinel parallel-syncs %s 1
                sentinel auth-pass %s %s
                # clients must authenticate to the sentinels too; the sentinels use it with each other
                requirepass %s
                """.formatted(s.name, s.host(), s.port(), s.dir, s.host(), MASTER_NAME, master.host(), master.port(),
                MASTER_NAME,
                options.sentinelDownAfterMs(), MASTER_NAME, options.sentinelFailoverTimeoutMs(), MASTER_NAME,
                MASTER_NAME, password, password);
        write(s, "sentinel.conf", conf);
    }

    private static void write(Server s, String file, String content) {
        try {
            Files.writeString(s.dir.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One command on one node or sentinel (both want the password). Throws UncheckedIOException on timeout. */
    Object call(Server s, Duration timeout, String... command) {
        try {
            return Resp.call(s.host(), s.port(), password, timeout, command);
        } catch (IOException e) {
            throw new UncheckedIOException(s.name + " (port " + s.port() + "): " + command[0] + " failed: " + e, e);
        }
    }

    private boolean answersPing(Server s) {
        return "PONG".equals(call(s, Duration.ofSeconds(1), "PING"));
    }

    /** Waits until {@code master} reports {@code replicas} online replicas. */
    void awaitOnlineReplicas(Server master, int replicas) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String info = "";
        while (System.nanoTime() < deadline) {
            info = Resp.text(call(master, Duration.ofSeconds(2), "INFO", "replication"));
            if (info.lines().filter(l -> l.startsWith("slave") && l.contains("state=online")).count() >= replicas) {
                return;
            }
            Processes.sleep(50);
        }
        throw new IllegalStateException(master.name + " has not " + replicas + " online replicas after 30 s:\n" + info);
    }

    /** Waits until the sentinel knows the master at {@code masterPort}, its replicas and the other sentinels. */
    void awaitSentinelView(Server sentinel, int masterPort, int replicas, int otherSentinels) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, String> m = Map.of();
        while (System.nanoTime() < deadline) {
            m = fields(call(sentinel, Duration.ofSeconds(2), "SENTINEL", "MASTER", MASTER_NAME));
            if (String.valueOf(masterPort).equals(m.get("port")) && "master".equals(m.get("flags"))
                    && String.valueOf(replicas).equals(m.get("num-slaves"))
                    && String.valueOf(otherSentinels).equals(m.get("num-other-sentinels"))) {
                return;
            }
            Processes.sleep(100);
        }
        throw new IllegalStateException(sentinel.name + " does not see the whole group after 30 s: " + m);
    }

    /** The master address one sentinel names (its port), or -1 when it does not answer. */
    int masterPortSeenBy(Server sentinel) {
        try {
            Object r = call(sentinel, Duration.ofSeconds(1), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
            if (r instanceof List<?> l && l.size() == 2) {
                return Integer.parseInt(String.valueOf(l.get(1)));
            }
        } catch (RuntimeException e) {
            // killed or paused sentinel: no vote
        }
        return -1;
    }

    /** A flat key/value reply (SENTINEL MASTER) as a map. */
    private static Map<String, String> fields(Object reply) {
        Map<String, String> m = new HashMap<>();
        if (reply instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                m.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
            }
        }
        return m;
    }
}
