package io.captier.store.redis;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.store.OwnHeartbeats;
import io.captier.topology.NodeRole;
import io.captier.topology.RedisNodeView;
import io.captier.topology.Topology;
import io.captier.topology.TopologyView;
import io.captier.version.MonotonicClock;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Redis Sentinel group as this instance sees it. Every HEARTBEAT_MS it asks each
 * sentinel for the master and the replicas, and probes each data node itself (role,
 * link, initial sync, this instance's heartbeat). All of it asynchronously: a paused
 * node or sentinel delays nothing else.
 *
 * <p>The master is whatever a majority of the configured sentinels say (each answer fresh
 * within the network timeout and a second; without a majority the last master stays), and
 * only while the node itself agrees that it is a master: a restarted old master claims to be one until the sentinels
 * demote it, and must not take writes meanwhile.
 *
 * <p>The sentinels' answers and the election are {@link SentinelQuorum}'s; this class knows
 * the data nodes, probes them, and publishes. Each finding is published at once into the
 * {@link Topology} view, which is what the
 * choice of master and replicas below, the read path, readiness and {@code /nodes} read.
 */
@ApplicationScoped
public class RedisTopology {

    private static final Logger LOG = Logger.getLogger(RedisTopology.class);

    private final CaptierConfig config;
    private final Metrics metrics;
    private final Vertx vertx;
    private final OwnHeartbeats ownHeartbeats;
    private final Topology topology;
    private final Duration timeout;
    private final SentinelQuorum sentinels;
    private final Map<String, RedisNode> dataNodes = new ConcurrentHashMap<>();
    private ScheduledExecutorService loop;

    public RedisTopology(CaptierConfig config, Metrics metrics, Vertx vertx, OwnHeartbeats ownHeartbeats,
                         Topology topology) {
        this.config = config;
        this.topology = topology;
        this.ownHeartbeats = ownHeartbeats;
        this.metrics = metrics;
        this.vertx = vertx;
        this.timeout = config.networkTimeout();
        String sentinelPassword = config.redis().sentinelPassword().orElse(null);
        this.sentinels = new SentinelQuorum(Arrays.stream(config.redis().sentinels().split(","))
                .map(String::trim).filter(s -> !s.isEmpty())
                .map(address -> new RedisNode(vertx, address, sentinelPassword, 2, timeout))
                .toList(), config.redis().masterName(), timeout.toMillis() + 1000);
        publish(); // the configured sentinels, before any has answered
    }

    void start(@Observes StartupEvent event) {
        loop = Background.scheduler("redis-topology", 1);
        Background.every(loop, "redis-topology", 0, config.heartbeatMs(), this::refresh);
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.shutdownNow();
        }
        sentinels.close();
        dataNodes.values().forEach(RedisNode::close);
    }

    /**
     * The master to write to now, as the topology view has it ({@link TopologyView#usableRedisMaster}).
     *
     * @throws StoreUnavailableException no master known, or it does not answer as one
     */
    public RedisNode master() {
        TopologyView view = topology.view();
        String address = view.redisMaster();
        if (address == null) {
            throw new StoreUnavailableException("redis-master unknown to the sentinels", null);
        }
        return view.usableRedisMaster(MonotonicClock.millis()).map(m -> node(m.address()))
                .orElseThrow(() -> new StoreUnavailableException("redis-master not answering as a master", address, null, 1000));
    }

    /**
     * The connection to a data node the view names.
     *
     * @param address host:port, as in a {@link RedisNodeView}
     * @throws IllegalArgumentException for a node the sentinels never named (a view only names known ones)
     */
    public RedisNode node(String address) {
        RedisNode node = dataNodes.get(address);
        if (node == null) {
            throw new IllegalArgumentException("no Redis data node " + address);
        }
        return node;
    }

    /**
     * A replica to read from: the sentinels list it and do not think it down (the dead old
     * master stays listed after a failover, flagged s_down), it says itself that it is a
     * replica (a restarted old master claims mastership over its old data until demoted)
     * and not in an initial sync, and it holds our heartbeat (a node that resynced empty
     * has none). A replica cut off from its master stays readable: its heartbeat ages, so
     * its staleness says how far behind it is.
     */
    static boolean readable(RedisProbe probe, SentinelView.Replica sentinelsSay) {
        return sentinelsSay != null && !sentinelsSay.down()
                && probe.reachable() && probe.role() == NodeRole.REPLICA && !probe.syncing()
                && probe.heartbeatMs() >= 0;
    }

    /**
     * The replicas a failover may promote, as far as the sentinels' answers show: every
     * replica any of them lists for the master this instance uses, but one that no sentinel
     * could promote now: every configured sentinel answered within the network timeout and a
     * second, names that master, and either flags the replica down or does not list it (a
     * sentinel promotes only replicas it lists; a dead old master stays listed, flagged
     * down, after a failover). Not the replicas one sentinel thinks up: in a split, a sentinel
     * on the master's side flags the replicas on the far side disconnected, while the
     * sentinels there see them well and promote one. And a sentinel not heard from lately may
     * think any replica up (docs/decisions.md, "A replicated buffer is only as safe as every
     * replica a failover may promote").
     *
     * @param master host:port of the master written to (the one a call went to, which may
     *               have changed since this instance last chose one)
     * @return host:port of each, as the sentinels and the master's INFO give them; empty when
     *         no sentinel has listed a replica of it
     */
    public Set<String> promotableReplicas(String master) {
        return sentinels.promotable(master);
    }

    /**
     * A write met READONLY: the node we took for the master was demoted. Ask the
     * sentinels again now and wait (up to the network timeout) for another master.
     */
    public RedisNode awaitNewMaster(String demoted) {
        RedisNode node = dataNodes.get(demoted);
        if (node != null) {
            RedisProbe p = node.probe();
            node.probed(new RedisProbe(p.reachable(), NodeRole.REPLICA, p.linkUp(), p.syncing(), p.heartbeatMs(),
                    p.probedAtMs(), p.error()));
            publish();
        }
        long deadline = MonotonicClock.millis() + timeout.toMillis();
        while (MonotonicClock.millis() < deadline) {
            refresh();
            try {
                RedisNode master = master();
                if (!master.address().equals(demoted)) {
                    return master;
                }
            } catch (StoreUnavailableException notYet) {
                // keep asking until the deadline
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new StoreUnavailableException("redis-master demoted and no new master known yet", demoted, null, 1000);
    }

    /**
     * Replaces the Redis side of the topology view with what is known now. Serialised, and
     * built from the latest findings inside the lock: a publication never overwrites a later
     * finding with an earlier one.
     */
    private synchronized void publish() {
        // One reading of the master for everything below: a confirmation time of a newly elected
        // master paired with the old one would under-state the old one's staleness (found by review).
        String master = sentinels.master();
        Map<String, SentinelView.Replica> flags = sentinels.replicaFlags(master);
        List<RedisNodeView> nodes = dataNodes.values().stream()
                .sorted(Comparator.comparing(RedisNode::address))
                .map(n -> view(n, master, flags.get(n.address())))
                .toList();
        topology.publishRedis(master, sentinels.confirmedAtMs(master), nodes, sentinels.answers());
    }

    private static RedisNodeView view(RedisNode node, String master, SentinelView.Replica sentinelsSay) {
        RedisProbe p = node.probe();
        boolean isMaster = node.address().equals(master);
        String flags = sentinelsSay == null ? (isMaster ? "master" : "") : sentinelsSay.flags();
        return new RedisNodeView(node.address(), p.role(), p.reachable(), p.linkUp(), p.syncing(), p.heartbeatMs(),
                p.probedAtMs(), p.error(), flags, readable(p, sentinelsSay));
    }

    private void refresh() {
        try {
            sentinels.askAll(this::publish);
            String elected = sentinels.elected();
            if (elected != null) {
                known(elected);
                sentinels.listedReplicas().forEach(this::known);
                sentinels.follow(elected);
            }
            publish();
            dataNodes.values().forEach(this::probeDataNode);
        } catch (RuntimeException e) {
            LOG.warnf("redis topology refresh failed: %s", Metrics.describeError(e));
        }
    }

    private void known(String address) {
        dataNodes.computeIfAbsent(address, a -> {
            metrics.knowNode(a);
            return new RedisNode(vertx, a, config.redis().password().orElse(null), config.redis().poolSize(), timeout);
        });
    }

    private void probeDataNode(RedisNode node) {
        if (!node.startProbe()) {
            return;
        }
        var info = node.sendAsync(Request.cmd(Command.INFO).arg("replication"));
        var heartbeat = node.sendAsync(Request.cmd(Command.GET).arg(RedisKeys.heartbeat(config.instanceId())));
        info.thenCombine(heartbeat, (i, h) -> parseProbe(i, h))
                .whenComplete((probe, error) -> {
                    node.endProbe();
                    RedisProbe before = node.probe();
                    if (error == null) {
                        node.probed(probe);
                        if (!before.reachable() || before.role() != probe.role()) {
                            LogEvent.of("REDIS_NODE").with(LogEvent.NODE, node.address())
                                    .with(LogEvent.ROLE, probe.role().wireName()).info(LOG, "reachable as " + probe.role());
                        }
                    } else {
                        node.probed(before.failed(Metrics.describeError(error), MonotonicClock.millis()));
                        if (before.reachable() || before.probedAtMs() == 0) {
                            metrics.connectionFailure(node.address(), error);
                        }
                    }
                    publish();
                });
    }

    private RedisProbe parseProbe(Response info, Response heartbeat) {
        ReplicationInfo replication = ReplicationInfo.parse(info.toString());
        long hb = heartbeat == null ? -1 : ownHeartbeats.ours(Long.parseLong(heartbeat.toString()));
        return new RedisProbe(true, NodeRole.ofRedisInfo(replication.field("role", null)),
                "up".equals(replication.field("master_link_status", null)),
                "1".equals(replication.field("master_sync_in_progress", null)),
                hb, MonotonicClock.millis(), null);
    }
}
