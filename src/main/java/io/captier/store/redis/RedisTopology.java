package io.captier.store.redis;

import io.captier.Background;
import io.captier.config.CaptierConfig;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.store.OwnHeartbeats;
import io.captier.topology.NodeRole;
import io.captier.topology.RedisNodeView;
import io.captier.topology.SentinelNodeView;
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
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

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
 * <p>Each finding is published at once into the {@link Topology} view, which is what the
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
    private final long freshMs;
    private final List<RedisNode> sentinels;
    private final Map<RedisNode, SentinelView> views = new ConcurrentHashMap<>();
    /** Master address -> the latest time a majority of sentinels named it (see confirmedAtMs). */
    private final Map<String, Long> confirmed = new ConcurrentHashMap<>();
    private final Map<String, RedisNode> dataNodes = new ConcurrentHashMap<>();
    private volatile String masterAddress;
    private ScheduledExecutorService loop;

    public RedisTopology(CaptierConfig config, Metrics metrics, Vertx vertx, OwnHeartbeats ownHeartbeats,
                         Topology topology) {
        this.config = config;
        this.topology = topology;
        this.ownHeartbeats = ownHeartbeats;
        this.metrics = metrics;
        this.vertx = vertx;
        this.timeout = config.networkTimeout();
        this.freshMs = timeout.toMillis() + 1000;
        String sentinelPassword = config.redis().sentinelPassword().orElse(null);
        this.sentinels = Arrays.stream(config.redis().sentinels().split(","))
                .map(String::trim).filter(s -> !s.isEmpty())
                .map(address -> new RedisNode(vertx, address, sentinelPassword, 2, timeout))
                .toList();
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("REDIS_SENTINELS names no sentinel");
        }
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
        sentinels.forEach(RedisNode::close);
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
        return SentinelVotes.promotable(views.values(), master, sentinels.size(), MonotonicClock.millis(), freshMs);
    }

    /**
     * When a majority of the configured sentinels last named {@code master}, the master this
     * instance uses (each sentinel's latest answer counts; a sentinel that stopped answering
     * keeps its last); published as {@link TopologyView#sentinelsConfirmedAtMs()}.
     * Redis Sentinel promotes a replica only after a majority has agreed, and an instance writes
     * to the new master only once most sentinels name it; a sentinel answers with the new master
     * from then on. So a write acknowledged on another master than this one was made after this
     * time: whatever this master's lineage holds, it misses nothing older (docs/architecture.md A3;
     * found by the drill's partitions, where a cut-off instance kept reading a replaced master).
     *
     * <p>Kept per master as the latest time found: while the answers move to another master
     * one by one, this one's last majority still stands for what it was.
     *
     * @return epoch ms (this instance's clock) when the question was asked, 0 when no majority
     *         has named the master yet
     */
    private long confirmedAtMs(String master) {
        return master == null ? 0 : confirmed.getOrDefault(master, 0L);
    }

    /** Flags the sentinels give each replica of {@code master}: the freshest answer that names it. */
    private Map<String, SentinelView.Replica> replicaViews(String master) {
        SentinelView view = views.values().stream()
                .filter(v -> Objects.equals(v.master(), master))
                .max(Comparator.comparingLong(SentinelView::atMs)).orElse(null);
        return view == null ? Map.of() : view.replicas();
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
        String master = masterAddress;
        Map<String, SentinelView.Replica> flags = replicaViews(master);
        List<RedisNodeView> nodes = dataNodes.values().stream()
                .sorted(Comparator.comparing(RedisNode::address))
                .map(n -> view(n, master, flags.get(n.address())))
                .toList();
        List<SentinelNodeView> answers = sentinels.stream().map(s -> {
            SentinelView v = views.get(s);
            return new SentinelNodeView(s.address(), v == null ? 0 : v.atMs());
        }).toList();
        topology.publishRedis(master, confirmedAtMs(master), nodes, answers);
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
            sentinels.forEach(this::askSentinel);
            decideMaster();
            publish();
            dataNodes.values().forEach(this::probeDataNode);
        } catch (RuntimeException e) {
            LOG.warnf("redis topology refresh failed: %s", Metrics.describeError(e));
        }
    }

    private void askSentinel(RedisNode sentinel) {
        if (!sentinel.startProbe()) {
            return;
        }
        String name = config.redis().masterName();
        // The answer holds as of when it was asked at the latest: the view is timed from then.
        long askedAt = MonotonicClock.millis();
        var masterAddr = sentinel.sendAsync(Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg(name));
        var replicas = sentinel.sendAsync(Request.cmd(Command.SENTINEL).arg("REPLICAS").arg(name));
        masterAddr.thenCombine(replicas, (m, r) -> SentinelView.parse(m, r, askedAt))
                .whenComplete((view, error) -> {
                    sentinel.endProbe();
                    // A sentinel that stops answering keeps its last word: with every sentinel
                    // gone the data nodes still serve, judged by their own probes.
                    if (error == null) {
                        views.put(sentinel, view);
                        long at = view.master() == null ? 0 : SentinelVotes.confirmedAtMs(views.values(), view.master(), sentinels.size());
                        if (at > 0) {
                            confirmed.merge(view.master(), at, Math::max);
                        }
                        publish();
                    }
                });
    }

    private void decideMaster() {
        long now = MonotonicClock.millis();
        Map<String, Long> votes = views.values().stream()
                .filter(v -> v.master() != null && now - v.atMs() <= freshMs)
                .collect(Collectors.groupingBy(SentinelView::master, Collectors.counting()));
        // A majority of the configured sentinels, not of those that answered: Sentinel itself
        // fails over only with a majority, and the confirmation time relies on every instance
        // moving to a new master only once most sentinels name it.
        int majority = SentinelVotes.majorityOf(sentinels.size());
        String elected = votes.entrySet().stream().filter(e -> e.getValue() >= majority)
                .map(Map.Entry::getKey).findFirst().orElse(masterAddress);
        if (elected == null) {
            return;
        }
        known(elected);
        views.values().forEach(v -> v.replicas().keySet().forEach(this::known));
        if (!elected.equals(masterAddress)) {
            LogEvent.of("REDIS_MASTER").with(LogEvent.NODE, elected).with(LogEvent.PREVIOUS_NODE, masterAddress)
                    .info(LOG, "the sentinels name a new master");
            masterAddress = elected;
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
