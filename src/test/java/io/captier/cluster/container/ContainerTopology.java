package io.captier.cluster.container;

import static io.captier.cluster.container.ContainerSupport.await;

import io.captier.cluster.topology.StoreEnv;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;

/**
 * The captier {@link Topology} as Docker containers, for machines with a Docker engine: the same
 * servers, names, ports and behaviour as {@code ProcessTopology}, started through Testcontainers
 * from the official {@code postgres:15} and {@code redis:7.0} images.
 *
 * <p><b>Linux Docker engines only.</b> Every container uses host networking, so each server binds
 * 127.0.0.1 on a port the harness picked, exactly like the process topology, and the 127.0.0.1
 * addresses Redis Sentinel announces are reachable from the test JVM and the app. That needs the
 * engine to share the test host's network namespace: Docker Desktop (macOS/Windows), rootless
 * Docker and remote engines ({@code DOCKER_HOST=tcp://...}) do not give that, and there the
 * servers would be unreachable.
 *
 * <p>Node operations map onto Docker: kill is {@code docker kill --signal=KILL}, pause/resume the
 * cgroup freezer ({@code docker pause}), restart {@code docker start} of the same container, whose
 * data volume survived the kill. Client commands (psql, redis-cli) run inside the node's own
 * container. Testcontainers' reaper removes everything if the JVM dies; {@link #close()} otherwise.
 *
 * <p>Of the {@link TopologyOptions} it honours synchronous replication and the sentinels' timings,
 * and refuses backups and a harness network (see {@link #start(TopologyOptions)}).
 */
public final class ContainerTopology implements Topology {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(90);

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final ContainerNodes containers = new ContainerNodes();
    private final ContainerPostgres postgres;
    private final ContainerRedis redis;
    private boolean closed;

    private ContainerTopology(TopologyOptions options) {
        postgres = new ContainerPostgres(options.synchronousReplication());
        redis = new ContainerRedis(options.sentinelDownAfterMs(), options.sentinelFailoverTimeoutMs());
        List<Integer> ports = ContainerSupport.freePorts(8);
        List<String> names = List.of("pg-a", "pg-b", "redis-a", "redis-b", "redis-c",
                "sentinel-a", "sentinel-b", "sentinel-c");
        for (int i = 0; i < names.size(); i++) {
            Kind kind = i < 2 ? Kind.POSTGRES : i < 5 ? Kind.REDIS : Kind.SENTINEL;
            nodes.put(names.get(i), new Node(names.get(i), kind, ports.get(i)));
        }
    }

    /** {@link #start(TopologyOptions)} with {@link TopologyOptions#defaults()}. */
    public static ContainerTopology start() {
        return start(TopologyOptions.defaults());
    }

    /**
     * Starts every container and returns once replication and the sentinels have settled.
     *
     * @throws IllegalArgumentException before anything starts, for an option this topology cannot
     *         honour: {@code withBackups} (no pgBackRest in the images) or {@code withNetwork()} (host
     *         networking, no namespaces to cut between); a test that needs them must not run here
     */
    public static ContainerTopology start(TopologyOptions options) {
        if (options.archiveTimeoutSec() > 0) {
            throw new IllegalArgumentException("the container topology cannot honour TopologyOptions.withBackups("
                    + options.archiveTimeoutSec() + "): it has no WAL archiving or pgBackRest");
        }
        if (options.onNetwork()) {
            throw new IllegalArgumentException("the container topology cannot honour TopologyOptions.withNetwork():"
                    + " its containers share the host's network, with nothing to partition");
        }
        ContainerSupport.requireHostNetworking();
        ContainerTopology topology = new ContainerTopology(options);
        try {
            topology.boot();
            return topology;
        } catch (RuntimeException | Error e) {
            String state = topology.describeWithLogs();
            topology.close();
            throw new IllegalStateException("container topology did not come up:\n" + state, e);
        }
    }

    private void boot() {
        Node pgA = node("pg-a");
        Node pgB = node("pg-b");
        Node master = node("redis-a");
        // Redis needs nothing from PostgreSQL, so it comes up while pg-a runs initdb
        containers.launch(pgA, postgres.primary(pgA));
        containers.launch(master, redis.server(master, null));
        for (Node replica : List.of(node("redis-b"), node("redis-c"))) {
            containers.launch(replica, redis.server(replica, master));
        }
        checked(master, () -> await("redis-a with 2 online replicas", START_TIMEOUT, () -> {
            ContainerSupport.requireRunning(containers.get(master), master.name());
            return redis.onlineReplicas(containers.get(master), master) == 2;
        }));
        // sentinels start after the replicas are online: their first INFO to the master lists them
        for (Node sentinel : ofKind(Kind.SENTINEL)) {
            containers.launch(sentinel, redis.sentinel(sentinel, master));
        }
        // pg_basebackup needs a primary that accepts connections
        checked(pgA, () -> postgres.awaitAnswering(containers.get(pgA), pgA, START_TIMEOUT));
        containers.launch(pgB, postgres.standby(pgB, pgA));
        checked(pgB, () -> postgres.awaitStreaming(containers.get(pgA), pgA, containers.get(pgB), pgB,
                postgres.synchronous(), START_TIMEOUT));
        for (Node sentinel : ofKind(Kind.SENTINEL)) {
            checked(sentinel, () -> await(sentinel.name() + " to see 2 replicas and 2 other sentinels", START_TIMEOUT,
                    () -> redis.settled(containers.get(sentinel), sentinel, 2, 2)));
        }
    }

    /** Runs a wait and, if it fails, adds the node's log tail: the server's own words say why. */
    private void checked(Node node, Runnable wait) {
        try {
            wait.run();
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\n--- " + node.name() + " log tail ---\n"
                    + containers.logTail(node, 40), e);
        }
    }

    private List<Node> ofKind(Kind kind) {
        return nodes.values().stream().filter(n -> n.kind() == kind).toList();
    }

    private GenericContainer<?> container(Node node) {
        return containers.get(node(node.name()));
    }

    private Node require(Node node, Kind kind) {
        if (node(node.name()).kind() != kind) {
            throw new IllegalArgumentException(node.name() + " is not a " + kind + " node");
        }
        return node;
    }

    @Override
    public Map<String, String> storeEnv() {
        return StoreEnv.of(nodes(), ContainerPostgres.DATABASE, ContainerPostgres.APP_USER, postgres.appPassword(),
                ContainerRedis.MASTER_NAME, redis.password());
    }

    @Override
    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    @Override
    public Node node(String name) {
        Node node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " (nodes: " + nodes.keySet() + ")");
        }
        return node;
    }

    @Override
    public Node pgPrimary() {
        Node best = null;
        long bestTimeline = -1;
        for (Node node : ofKind(Kind.POSTGRES)) {
            try {
                long timeline = postgres.timeline(container(node), node);
                if (timeline > bestTimeline) {
                    best = node;
                    bestTimeline = timeline;
                }
            } catch (RuntimeException e) {
                // down or paused: not a primary now
            }
        }
        if (best == null) {
            throw new IllegalStateException("no PostgreSQL primary answers:\n" + describe());
        }
        return best;
    }

    @Override
    public Node pgStandby() {
        for (Node node : ofKind(Kind.POSTGRES)) {
            try {
                if (postgres.inRecovery(container(node), node)) {
                    return node;
                }
            } catch (RuntimeException e) {
                // down or paused: not a running standby
            }
        }
        return null;
    }

    /** The master most answering sentinels name (as in the process topology); throws when none does. */
    @Override
    public Node redisMaster() {
        int port = redis.mostNamedMasterPort(ofKind(Kind.SENTINEL), this::container);
        if (port < 0) {
            throw new IllegalStateException("no sentinel names a master:\n" + describe());
        }
        return ofKind(Kind.REDIS).stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("sentinels name unknown master port " + port));
    }

    /** Every Redis data node but the master, running or not. */
    @Override
    public List<Node> redisReplicas() {
        Node master = redisMaster();
        return ofKind(Kind.REDIS).stream().filter(n -> !n.equals(master)).toList();
    }

    @Override
    public void kill(Node node) {
        containers.kill(node(node.name()));
    }

    @Override
    public void pause(Node node) {
        containers.pause(node(node.name()));
    }

    @Override
    public void resume(Node node) {
        containers.resume(node(node.name()));
    }

    /** Starts the node's container again and waits until the server answers. A node that still
     *  runs is killed first, so this is also "crash and come back" (as in the process topology). */
    @Override
    public void restart(Node node) {
        kill(node);
        containers.startAgain(node);
        GenericContainer<?> container = container(node);
        checked(node, () -> {
            if (node.kind() == Kind.POSTGRES) {
                postgres.awaitAnswering(container, node, OPERATION_TIMEOUT);
            } else {
                await(node.name() + " to answer PING", OPERATION_TIMEOUT, () -> {
                    ContainerSupport.requireRunning(container, node.name());
                    return redis.answers(container, node);
                });
            }
        });
    }

    @Override
    public void promote(Node standby) {
        require(standby, Kind.POSTGRES);
        checked(standby, () -> postgres.promote(container(standby), standby, OPERATION_TIMEOUT));
    }

    /** Replaces the node's container, data volume and all, with a fresh clone of the current primary
     *  on the same port, then (when the topology replicates synchronously) turns synchronous
     *  replication back on and waits for it. */
    @Override
    public void recloneAsStandby(Node oldPrimary) {
        require(oldPrimary, Kind.POSTGRES);
        Node primary = pgPrimary();
        if (primary.equals(oldPrimary)) {
            throw new IllegalStateException(oldPrimary.name() + " is the current primary; promote another node first");
        }
        containers.launch(oldPrimary, postgres.standby(oldPrimary, primary));
        GenericContainer<?> primaryContainer = container(primary);
        GenericContainer<?> standbyContainer = container(oldPrimary);
        checked(oldPrimary, () -> {
            postgres.awaitStreaming(primaryContainer, primary, standbyContainer, oldPrimary, false, OPERATION_TIMEOUT);
            if (postgres.synchronous()) {
                postgres.setSynchronous(primaryContainer, primary, true);
                postgres.awaitStreaming(primaryContainer, primary, standbyContainer, oldPrimary, true, OPERATION_TIMEOUT);
            }
        });
    }

    /** Runs {@code sql} as the superuser in database {@code captier} on that node; rows of columns,
     *  NULL as an empty string. Throws when psql fails (the message has its output). */
    @Override
    public List<List<String>> sql(Node pgNode, String sql) {
        require(pgNode, Kind.POSTGRES);
        return postgres.sql(container(pgNode), pgNode, sql);
    }

    /** One command; arrays one element per line, an error reply as "(error) MESSAGE". An unreachable
     *  node (down, paused) throws UncheckedIOException. */
    @Override
    public String redis(Node redisNode, String... command) {
        if (node(redisNode.name()).kind() == Kind.POSTGRES) {
            throw new IllegalArgumentException(redisNode.name() + " is not a Redis node");
        }
        return redis.cli(container(redisNode), redisNode, command);
    }

    /** A snapshot of the node's log (its container's stdout and stderr, where the servers log),
     *  written to a file at this call; call again for a fresher one. A re-cloned node's log starts anew.
     *  (Not an interface method at present; the process topology has one too.) */
    public Path logFile(Node node) {
        return containers.logFile(node(node.name()));
    }

    @Override
    public String logTail(Node node, int lines) {
        return containers.logTail(node(node.name()), lines);
    }

    @Override
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (Node node : nodes.values()) {
            out.append(String.format("%-10s %-8s %-20s port=%-5d %s%n",
                    node.name(), node.kind(), role(node), node.port(), containers.dockerState(node)));
        }
        return out.toString();
    }

    private String role(Node node) {
        try {
            return switch (node.kind()) {
                case POSTGRES -> {
                    long timeline = postgres.timeline(container(node), node);
                    yield timeline < 0 ? "standby" : "primary(timeline " + timeline + ")";
                }
                case REDIS -> switch (redis.role(container(node), node)) {
                    case "master" -> "master";
                    case "slave" -> "replica";
                    default -> "?";
                };
                case SENTINEL -> "sentinel";
            };
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private String describeWithLogs() {
        StringBuilder out = new StringBuilder(describe());
        for (Node node : nodes.values()) {
            out.append("--- ").append(node.name()).append(" log tail ---\n").append(logTail(node, 15)).append('\n');
        }
        return out.toString();
    }

    /** Removes every container with its data; idempotent. Keeps the log snapshots only with
     *  {@code -Dcaptier.topology.keep=true}, like the process topology. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        containers.removeAll(Boolean.getBoolean("captier.topology.keep"));
    }
}
