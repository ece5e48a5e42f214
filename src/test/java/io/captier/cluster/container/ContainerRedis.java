package io.captier.cluster.container;

import static io.captier.cluster.container.ContainerSupport.describe;
import static io.captier.cluster.container.ContainerSupport.exec;
import static io.captier.cluster.container.ContainerSupport.hostContainer;
import static io.captier.cluster.container.ContainerSupport.withDeadline;

import io.captier.cluster.topology.Topology.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;

/**
 * Redis data nodes and sentinels as {@code redis:7.0} containers on the host network, and the
 * redis-cli based queries the topology needs on them. Everything announces 127.0.0.1, so the
 * addresses the sentinels hand out are reachable from the host.
 */
final class ContainerRedis {

    static final String IMAGE = "redis:7.0";
    static final String MASTER_NAME = "captier";

    /** Redis answers in milliseconds; longer means a hung node, which should fail the call soon. */
    private static final int CLI_TIMEOUT_SECONDS = 5;

    private final String password = ContainerSupport.randomPassword();
    private final int downAfterMs;
    private final int failoverTimeoutMs;

    /**
     * @param downAfterMs       the sentinels' down-after-milliseconds (TopologyOptions.sentinelDownAfterMs)
     * @param failoverTimeoutMs the sentinels' failover-timeout (TopologyOptions.sentinelFailoverTimeoutMs)
     */
    ContainerRedis(int downAfterMs, int failoverTimeoutMs) {
        this.downAfterMs = downAfterMs;
        this.failoverTimeoutMs = failoverTimeoutMs;
    }

    String password() {
        return password;
    }

    /** A data node; a replica of {@code master} unless that is null. Its AOF lives in the container's /data. */
    GenericContainer<?> server(Node node, Node master) {
        List<String> command = new ArrayList<>(List.of("redis-server",
                "--port", String.valueOf(node.port()),
                "--bind", "127.0.0.1",
                "--requirepass", password,
                "--masterauth", password,
                "--appendonly", "yes",
                "--replica-announce-ip", "127.0.0.1"));
        if (master != null) {
            command.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(master.port())));
        }
        GenericContainer<?> container = hostContainer(IMAGE, node.name());
        container.withCommand(command.toArray(String[]::new));
        return container;
    }

    /**
     * A sentinel. Sentinel rewrites its config file (its id, known replicas and sentinels, epochs),
     * so the file must be writable by the redis user and must survive a restart: the template is
     * copied into /data only on the first start, and the image's entrypoint hands /data to redis.
     */
    GenericContainer<?> sentinel(Node node, Node master) {
        String config = String.join("\n",
                "port " + node.port(),
                "bind 127.0.0.1",
                "dir /data",
                "sentinel resolve-hostnames no",
                "sentinel announce-ip 127.0.0.1",
                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
                "sentinel auth-pass " + MASTER_NAME + " " + password,
                "sentinel down-after-milliseconds " + MASTER_NAME + " " + downAfterMs,
                "sentinel failover-timeout " + MASTER_NAME + " " + failoverTimeoutMs,
                "sentinel parallel-syncs " + MASTER_NAME + " 1",
                "requirepass " + password,
                "");
        GenericContainer<?> container = hostContainer(IMAGE, node.name());
        container.withCopyToContainer(Transferable.of(config), "/captier/sentinel.conf");
        container.withCommand("sh", "-c", "test -f /data/sentinel.conf || cp /captier/sentinel.conf /data/sentinel.conf;"
                + " exec docker-entrypoint.sh redis-server /data/sentinel.conf --sentinel");
        return container;
    }

    /**
     * One command through redis-cli in the node's own container; data nodes and sentinels need the password.
     * The reply reads like the process topology's: arrays one element per line, an error reply as
     * "(error) MESSAGE". A node that cannot be reached (down, paused, refusing) throws
     * UncheckedIOException, as there.
     */
    String cli(GenericContainer<?> container, Node node, String... command) {
        // -e: exit non-zero on an error reply, which tells it apart from a string reply
        List<String> full = new ArrayList<>(List.of("redis-cli", "-e", "-h", "127.0.0.1", "-p", String.valueOf(node.port())));
        full.addAll(List.of("-a", password, "--no-auth-warning"));
        full.addAll(Arrays.asList(command));
        String what = node.name() + " (port " + node.port() + "): " + command[0];
        ExecResult result;
        try {
            result = exec(container, Map.of(), withDeadline(CLI_TIMEOUT_SECONDS, full));
        } catch (RuntimeException e) {
            // Docker refuses to exec in a stopped or paused container: the node is unreachable
            throw new UncheckedIOException(new IOException(what + " failed: " + e.getMessage(), e));
        }
        String out = result.getStdout().replace("\r\n", "\n").strip();
        if (result.getExitCode() == 0) {
            return out;
        }
        String text = out.isEmpty() ? result.getStderr().strip() : out;
        if (result.getExitCode() == 124 || text.isEmpty() || text.startsWith("Could not connect")
                || text.startsWith("Error:")) {
            throw new UncheckedIOException(new IOException(what + " failed, " + describe(result)));
        }
        return text.startsWith("(error) ") ? text : "(error) " + text;
    }

    boolean answers(GenericContainer<?> container, Node node) {
        return "PONG".equals(cli(container, node, "PING"));
    }

    /** The role line of INFO replication: master or slave. */
    String role(GenericContainer<?> container, Node node) {
        return infoField(cli(container, node, "INFO", "replication"), "role");
    }

    /** Replicas the master reports as connected and online. */
    int onlineReplicas(GenericContainer<?> container, Node master) {
        String info = cli(container, master, "INFO", "replication");
        if (!"master".equals(infoField(info, "role"))) {
            return 0;
        }
        return (int) info.lines().filter(l -> l.matches("slave\\d+:.*") && l.contains("state=online")).count();
    }

    /** The master's port as this sentinel names it, or -1 if it names none. */
    int masterPort(GenericContainer<?> container, Node sentinel) {
        List<String> reply = cli(container, sentinel, "SENTINEL", "get-master-addr-by-name", MASTER_NAME).lines().toList();
        return reply.size() == 2 ? Integer.parseInt(reply.get(1).strip()) : -1;
    }

    /** The master port most of the sentinels that answer name, or -1 if none answers. */
    int mostNamedMasterPort(List<Node> sentinels, Function<Node, GenericContainer<?>> containers) {
        Map<Integer, Integer> votes = new LinkedHashMap<>();
        for (Node sentinel : sentinels) {
            try {
                int port = masterPort(containers.apply(sentinel), sentinel);
                if (port > 0) {
                    votes.merge(port, 1, Integer::sum);
                }
            } catch (RuntimeException e) {
                // a sentinel that is down or paused has no say
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(-1);
    }

    /** True once this sentinel knows {@code replicas} healthy replicas and {@code sentinels} peers. */
    boolean settled(GenericContainer<?> container, Node sentinel, int replicas, int sentinels) {
        Map<String, String> master = pairs(cli(container, sentinel, "SENTINEL", "master", MASTER_NAME));
        if (!"master".equals(master.get("flags"))
                || !String.valueOf(sentinels).equals(master.get("num-other-sentinels"))) {
            return false;
        }
        // raw redis-cli output flattens the nested reply to one field per line: count each
        // replica's flags value, which is exactly "slave" while it is up and connected
        List<String> lines = cli(container, sentinel, "SENTINEL", "replicas", MASTER_NAME).lines().toList();
        int healthy = 0;
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).equals("flags") && lines.get(i + 1).equals("slave")) {
                healthy++;
            }
        }
        return healthy == replicas;
    }

    private static Map<String, String> pairs(String reply) {
        List<String> lines = reply.lines().toList();
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            map.put(lines.get(i), lines.get(i + 1));
        }
        return map;
    }

    private static String infoField(String info, String field) {
        return info.lines()
                .map(String::strip)
                .filter(l -> l.startsWith(field + ":"))
                .map(l -> l.substring(field.length() + 1))
                .findFirst()
                .orElse("");
    }
}
