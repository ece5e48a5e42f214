package io.captier.cluster.process;

import io.captier.cluster.network.Host;
import io.captier.cluster.network.Network;
import io.captier.cluster.network.Partitions;
import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Resp;
import io.captier.cluster.os.Watchdog;
import io.captier.cluster.topology.StoreEnv;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@link Topology} made of real server processes from the Debian packages on 127.0.0.1, each on a free
 * port, in one temp directory: PostgreSQL {@code pg-a} (primary) + {@code pg-b} (streaming standby),
 * Redis {@code redis-a} (master) + {@code redis-b}, {@code redis-c} and sentinels
 * {@code sentinel-a..c} watching master {@code captier}.
 *
 * <p>With {@link TopologyOptions#withNetwork()} each node runs instead in its own network namespace on one
 * harness bridge (io.captier.cluster.network), listening on its host's address: the test JVM still
 * reaches every node, and {@link #partitions()} cuts links between them. The directory, servers and
 * network go together at close.
 *
 * <p>Every process runs in its own session; {@link #close()}, a shutdown hook, and a watchdog (for a
 * JVM killed with kill -9) stop them all. Set {@code -Dcaptier.topology.keep=true} to keep the
 * directory with its logs after close.
 */
public final class ProcessTopology implements Topology {

    public static final String PG_A = "pg-a";
    public static final String PG_B = "pg-b";
    public static final List<String> REDIS = List.of("redis-a", "redis-b", "redis-c");
    public static final List<String> SENTINELS = List.of("sentinel-a", "sentinel-b", "sentinel-c");

    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);

    private final TopologyOptions options;
    private final Path baseDir;
    private final Watchdog watchdog;
    /** Null unless {@link TopologyOptions#withNetwork()}. */
    private final Network network;
    private final PostgresNodes pg;
    private final RedisNodes redis;
    private final PgBackRest pgBackRest;
    private volatile Backups backups;
    private final Map<String, Server> servers = new LinkedHashMap<>();
    /** Each node's role when it last answered: a paused node keeps showing it. */
    private final Map<String, String> lastRole = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread shutdownHook = new Thread(this::close, "captier-topology-cleanup");
    private volatile Map<String, String> storeEnv;
    private boolean closed;

    public static ProcessTopology start() {
        return start(TopologyOptions.defaults());
    }

    /** Brings the whole topology up and returns once every node is ready and replicating. */
    public static ProcessTopology start(TopologyOptions options) {
        Path pgBin = Binaries.requireTopologyBinaries();
        ProcessTopology t = new ProcessTopology(options, pgBin);
        try {
            t.bringUp();
            return t;
        } catch (RuntimeException | Error e) {
            String state = t.describeWithLogs();
            t.close();
            throw new IllegalStateException("topology did not come up:\n" + state, e);
        }
    }

    private ProcessTopology(TopologyOptions options, Path pgBin) {
        this.options = options;
        try {
            baseDir = Files.createTempDirectory("captier-topology-");
            // the postgres user must be able to traverse to its node directories
            Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        watchdog = Watchdog.start(baseDir);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        network = options.onNetwork() ? Network.create(watchdog, baseDir) : null;
        pgBackRest = options.archiveTimeoutSec() > 0 ? new PgBackRest(baseDir.resolve("pgbackrest")) : null;
        pg = new PostgresNodes(pgBin, watchdog, options.synchronousReplication(),
                pgBackRest == null ? null : new PostgresNodes.Archiving(pgBackRest::archiveCommand,
                        options.archiveTimeoutSec()));
        redis = new RedisNodes(watchdog, options);
        add(PG_A, Kind.POSTGRES);
        add(PG_B, Kind.POSTGRES);
        REDIS.forEach(n -> add(n, Kind.REDIS));
        SENTINELS.forEach(n -> add(n, Kind.SENTINEL));
    }

    private void add(String name, Kind kind) {
        Host host = network == null ? null : network.addHost(name);
        servers.put(name, new Server(name, kind, baseDir.resolve(name), FreePorts.next(), host));
    }

    /** PostgreSQL and Redis come up side by side: they do not depend on each other. */
    private void bringUp() {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "captier-topology-start");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> postgres = pool.submit(() -> {
                Server a = servers.get(PG_A);
                Server b = servers.get(PG_B);
                if (pgBackRest != null) {
                    // written before initdb so that the first WAL archived finds it; rewritten below
                    // once the ports are final
                    pgBackRest.writeConfig(List.of(a, b));
                }
                pg.initPrimary(a);
                pg.cloneStandby(b, a);
                pg.enableSync(a, b);
                if (pgBackRest != null) {
                    pgBackRest.writeConfig(List.of(a, b));
                    pgBackRest.stanzaCreate();
                    backups = new Backups(this, pgBackRest);
                }
            });
            Future<?> redisGroup = pool.submit(() -> {
                Server master = servers.get(REDIS.get(0));
                redis.startServer(master, null);
                for (String r : REDIS.subList(1, REDIS.size())) {
                    redis.startServer(servers.get(r), master);
                }
                redis.awaitOnlineReplicas(master, REDIS.size() - 1);
                // sentinels start after the replicas are online: their first INFO to the master lists them
                for (String s : SENTINELS) {
                    redis.startSentinel(servers.get(s), master);
                }
                for (String s : SENTINELS) {
                    redis.awaitSentinelView(servers.get(s), master.port(), REDIS.size() - 1, SENTINELS.size() - 1);
                }
            });
            await(postgres);
            await(redisGroup);
        } finally {
            // when one side failed, stop the other before close() runs, or it could start a server
            // after close() looked
            pool.shutdownNow();
            try {
                pool.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // once the ports are final: a server that found its port taken moved to another
        storeEnv = StoreEnv.of(nodes(), PostgresNodes.APP_DATABASE, PostgresNodes.APP_USER, pg.appPassword,
                RedisNodes.MASTER_NAME, redis.password);
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the topology", e);
        }
    }

    PostgresNodes postgresNodes() {
        return pg;
    }

    RedisNodes redisNodes() {
        return redis;
    }

    @Override
    public Map<String, String> storeEnv() {
        return storeEnv;
    }

    public TopologyOptions options() {
        return options;
    }

    /** Backup and restore of this topology's stores; throws when it was started without
     *  {@link TopologyOptions#withBackups}. */
    public Backups backups() {
        if (backups == null) {
            throw new IllegalStateException("this topology runs without WAL archiving (scripts/up starts it with)");
        }
        return backups;
    }

    /** Whether each node runs in a network namespace of its own ({@link TopologyOptions#withNetwork()}). */
    public boolean onNetwork() {
        return network != null;
    }

    /** The harness network the nodes run on; empty without {@link TopologyOptions#withNetwork()}. */
    @Override
    public Optional<Network> network() {
        return Optional.ofNullable(network);
    }

    private Network requireNetwork() {
        if (network == null) {
            throw new IllegalStateException("this topology runs on 127.0.0.1 (see TopologyOptions.withNetwork)");
        }
        return network;
    }

    /** Cuts between the nodes' hosts ({@link #host}); throws IllegalStateException without
     *  {@link TopologyOptions#withNetwork()}. */
    public Partitions partitions() {
        return requireNetwork().partitions();
    }

    /** The host node {@code name} runs in; throws IllegalStateException without
     *  {@link TopologyOptions#withNetwork()}, IllegalArgumentException for an unknown node. */
    public Host host(String name) {
        return requireNetwork().host(name);
    }

    /** The temp directory holding every node's directory. */
    public Path baseDir() {
        return baseDir;
    }

    @Override
    public List<Node> nodes() {
        return servers.values().stream().map(Server::node).toList();
    }

    @Override
    public Node node(String name) {
        return server(name).node();
    }

    /** PID of the node's current server process (-1 if it never ran). */
    public long pid(Node node) {
        OsProcess p = server(node).process();
        return p == null ? -1 : p.pid;
    }

    /** Every server process this topology started (PID -> start time, see {@link Processes#startTime}),
     *  failed attempts and restarts included: for checks that all are gone after close. */
    Map<Long, Long> startedProcesses() {
        return watchdog.registered();
    }

    @Override
    public Node pgPrimary() {
        Server best = null;
        long bestTimeline = -1;
        for (Server s : byKind(Kind.POSTGRES)) {
            PostgresNodes.Status st = pg.status(s, STATUS_TIMEOUT);
            if (st != null && !st.inRecovery() && st.timeline() > bestTimeline) {
                best = s;
                bestTimeline = st.timeline();
            }
        }
        if (best == null) {
            throw new IllegalStateException("no PostgreSQL primary answers:\n" + describe());
        }
        return best.node();
    }

    @Override
    public Node pgStandby() {
        for (Server s : byKind(Kind.POSTGRES)) {
            PostgresNodes.Status st = pg.status(s, STATUS_TIMEOUT);
            if (st != null && st.inRecovery()) {
                lastRole.put(s.name, "standby");
                return s.node();
            }
        }
        return null;
    }

    @Override
    public Node pgStandbyLastKnown() {
        Node now = pgStandby();
        if (now != null) {
            return now;
        }
        for (Server s : byKind(Kind.POSTGRES)) {
            if ("standby".equals(lastRole.get(s.name)) && s.stateText().equals("PAUSED")) {
                return s.node();
            }
        }
        return null;
    }

    /** The master most reachable sentinels name; throws when no sentinel answers. */
    @Override
    public Node redisMaster() {
        Map<Integer, Integer> votes = new LinkedHashMap<>();
        for (Server s : byKind(Kind.SENTINEL)) {
            if (s.isUp()) {
                int port = redis.masterPortSeenBy(s);
                if (port > 0) {
                    votes.merge(port, 1, Integer::sum);
                }
            }
        }
        int port = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> new IllegalStateException("no sentinel answers:\n" + describe()));
        return byKind(Kind.REDIS).stream().filter(s -> s.port() == port).findFirst().map(Server::node)
                .orElseThrow(() -> new IllegalStateException("sentinels name unknown master port " + port));
    }

    /** Every Redis server but the master, running or not. */
    @Override
    public List<Node> redisReplicas() {
        Node master = redisMaster();
        return byKind(Kind.REDIS).stream().map(Server::node).filter(n -> !n.equals(master)).toList();
    }

    @Override
    public void kill(Node node) {
        server(node).kill();
    }

    /**
     * A lost disk: kill -9 the node and delete its data (PostgreSQL: the data directory; Redis: its
     * append-only and RDB files), keeping its configuration. {@link Backups#restore} brings it back.
     */
    public void loseData(Node node) {
        Server s = server(node);
        s.kill();
        switch (s.kind) {
            case POSTGRES -> Processes.deleteTree(PostgresNodes.data(s));
            case REDIS -> {
                Processes.deleteTree(s.dir.resolve("appendonlydir"));
                Processes.deleteTree(s.dir.resolve("dump.rdb"));
            }
            default -> throw new IllegalArgumentException(s.name + " holds no data");
        }
    }

    @Override
    public void pause(Node node) {
        server(node).pause();
    }

    @Override
    public void resume(Node node) {
        server(node).resume();
    }

    /** Starts the node from its own data and config and waits until it answers. A node that still runs
     *  is killed (-9) first, so this is also "crash and come back". */
    @Override
    public void restart(Node node) {
        Server s = server(node);
        s.kill();
        if (s.kind == Kind.POSTGRES) {
            pg.restart(s);
        } else {
            redis.restart(s);
        }
    }

    @Override
    public void promote(Node standby) {
        pg.promote(pgServer(standby));
    }

    @Override
    public void recloneAsStandby(Node oldPrimary) {
        Server s = pgServer(oldPrimary);
        // Check before changing anything: without a primary to clone from, stopping the node
        // would leave it down and the operation half-done.
        Server primary = server(pgPrimary());
        if (primary == s) {
            throw new IllegalStateException(s.name + " is the current primary; promote the standby first");
        }
        s.kill();
        pg.cloneStandby(s, primary);
        pg.enableSync(primary, s);
    }

    /** Runs {@code sql} as the superuser in database {@code captier} on that node; see
     *  {@link PostgresNodes#psql} for the result format. Throws when psql fails (message has its stderr). */
    @Override
    public List<List<String>> sql(Node pgNode, String sql) {
        return pg.psql(pgServer(pgNode), PostgresNodes.APP_DATABASE, SQL_TIMEOUT, sql);
    }

    /** One command, 2 s timeout (a paused node makes this throw UncheckedIOException). Errors come back as
     *  "(error) MESSAGE", arrays one element per line. */
    @Override
    public String redis(Node redisNode, String... command) {
        Server s = server(redisNode);
        if (s.kind == Kind.POSTGRES) {
            throw new IllegalArgumentException(s.name + " is not a Redis node");
        }
        return Resp.text(redis.call(s, REDIS_TIMEOUT, command));
    }

    /** The node's log file: the server's stdout and stderr. */
    public Path logFile(Node node) {
        return server(node).log;
    }

    @Override
    public String logTail(Node node, int lines) {
        return Processes.tail(server(node).log, lines);
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Server s : servers.values()) {
            OsProcess p = s.process();
            sb.append(String.format("%-10s %-8s %-20s port=%-5d pid=%-7s %-7s %s%n", s.name, s.kind, role(s),
                    s.port(), p == null ? "-" : p.pid, s.stateText(), s.dir));
        }
        return sb.toString();
    }

    /** The role the node answers with now; a paused node's last answered one (it still holds
     *  that role; a killed one may not: "?"). */
    private String role(Server s) {
        String now = roleNow(s);
        if (now.equals("?")) {
            return s.stateText().equals("PAUSED") ? lastRole.getOrDefault(s.name, "?") : "?";
        }
        lastRole.put(s.name, now.startsWith("primary") ? "primary" : now);
        return now;
    }

    private String roleNow(Server s) {
        try {
            switch (s.kind) {
                case POSTGRES: {
                    PostgresNodes.Status st = pg.status(s, Duration.ofSeconds(2));
                    return st == null ? "?" : st.inRecovery() ? "standby" : "primary(timeline " + st.timeline() + ")";
                }
                case REDIS: {
                    if (!s.isUp()) {
                        return "?";
                    }
                    String info = Resp.text(redis.call(s, Duration.ofSeconds(1), "INFO", "replication"));
                    return info.contains("role:master") ? "master" : "replica";
                }
                default:
                    return "sentinel";
            }
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private String describeWithLogs() {
        StringBuilder sb = new StringBuilder(describe());
        for (Server s : servers.values()) {
            if (Files.exists(s.log)) {
                sb.append("--- ").append(s.name).append(" log tail ---\n").append(Processes.tail(s.log, 15)).append('\n');
            }
        }
        return sb.toString();
    }

    /** Stops every server (PostgreSQL gets SIGQUIT and 2 s, the rest kill -9), the watchdog, and removes
     *  the directory. Idempotent; also runs from a shutdown hook. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<Server> order = new ArrayList<>(byKind(Kind.SENTINEL));
        order.addAll(byKind(Kind.REDIS));
        order.addAll(byKind(Kind.POSTGRES));
        for (Server s : order) {
            try {
                s.stop(s.kind == Kind.POSTGRES ? "QUIT" : "KILL", Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                System.err.println("captier topology: stopping " + s.name + " failed: " + e);
            }
        }
        if (network != null) {
            try {
                network.close();
            } catch (RuntimeException e) {
                System.err.println("captier topology: removing the network failed: " + e);
            }
        }
        watchdog.close();
        if (Boolean.getBoolean("captier.topology.keep")) {
            System.err.println("captier topology: kept " + baseDir);
        } else {
            Processes.deleteTree(baseDir);
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway and finds us closed
            }
        }
    }

    List<Server> byKind(Kind kind) {
        return servers.values().stream().filter(s -> s.kind == kind).toList();
    }

    private Server server(Node node) {
        return server(node.name());
    }

    Server server(String name) {
        Server s = servers.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no node " + name + " (nodes: " + servers.keySet() + ")");
        }
        return s;
    }

    private Server pgServer(Node node) {
        Server s = server(node);
        if (s.kind != Kind.POSTGRES) {
            throw new IllegalArgumentException(s.name + " is not a PostgreSQL node");
        }
        return s;
    }
}
