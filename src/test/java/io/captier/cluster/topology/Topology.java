package io.captier.cluster.topology;

import io.captier.cluster.network.Network;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real store topology captier runs against: PostgreSQL primary + streaming standby,
 * Redis master + 2 replicas + 3 sentinels, all on 127.0.0.1 (or each on its own address of a
 * harness network, see {@link Node#host()}).
 *
 * <p>Nodes have stable names that never change with their role ({@code pg-a}, {@code pg-b},
 * {@code redis-a..c}, {@code sentinel-a..c}); ask {@link #pgPrimary()} or
 * {@link #redisMaster()} for who holds a role now. Every process the topology starts is
 * stopped by {@link #close()}, and by a watchdog if the JVM that started it dies.
 */
public interface Topology extends AutoCloseable {

    /** The stores' part of a captier instance's environment, as {@link StoreEnv} formats it:
     *  DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, REDIS_SENTINELS, REDIS_MASTER_NAME and
     *  REDIS_PASSWORD. The rest of an instance's environment is the service's business
     *  ({@code cluster.app.AppEnv}). */
    Map<String, String> storeEnv();

    /** The harness network the nodes run on, each in a host of its own (started with
     *  {@link TopologyOptions#withNetwork()}); empty when they run on 127.0.0.1. */
    default Optional<Network> network() {
        return Optional.empty();
    }

    List<Node> nodes();

    Node node(String name);

    /** The PostgreSQL node that is a primary on the highest timeline now (asked of the servers). */
    Node pgPrimary();

    /** The PostgreSQL node in recovery (the standby) now, or null when none runs. */
    Node pgStandby();

    /**
     * The standby for an operator's command: the node in recovery now or, when none answers,
     * a paused node last seen in recovery (a paused standby still is one, and {@code scripts/ctl
     * resume pg-standby} must find it); null when there is neither.
     */
    default Node pgStandbyLastKnown() {
        return pgStandby();
    }

    /** The Redis master as the sentinels' quorum names it now. */
    Node redisMaster();

    List<Node> redisReplicas();

    /** kill -9 the node's whole process group (a crash: no clean shutdown). */
    void kill(Node node);

    /** SIGSTOP the node's process group: connections stay open, nothing answers. */
    void pause(Node node);

    /** SIGCONT after {@link #pause}. */
    void resume(Node node);

    /** Start a killed node again from its own data directory and configuration. */
    void restart(Node node);

    /** Promote a PostgreSQL standby to primary and wait until it accepts writes. */
    void promote(Node standby);

    /** Throw away a failed old primary's data and clone it again from the current primary
     *  as a streaming standby; waits until it streams. */
    void recloneAsStandby(Node oldPrimary);

    /** Run SQL on one PostgreSQL node directly (superuser), returning rows of column strings. */
    List<List<String>> sql(Node pgNode, String sql);

    /** Run one Redis command on one Redis node or sentinel directly, returning the reply as text. */
    String redis(Node redisNode, String... command);

    /** The last {@code lines} lines of the node's log (for assertion messages). */
    String logTail(Node node, int lines);

    /** One line per node: name, kind, role, port, pid, state. */
    String describe();

    @Override
    void close();

    enum Kind { POSTGRES, REDIS, SENTINEL }

    /** One server process: its stable name, kind, the address it listens on (127.0.0.1, or its
     *  network host's address when the topology runs on a harness network) and port. */
    record Node(String name, Kind kind, String host, int port) {
        public Node(String name, Kind kind, int port) {
            this(name, kind, "127.0.0.1", port);
        }

        public String address() {
            return host + ":" + port;
        }
    }
}
