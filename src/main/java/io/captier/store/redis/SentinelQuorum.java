package io.captier.store.redis;

import io.captier.observability.LogEvent;
import io.captier.topology.SentinelNodeView;
import io.captier.version.MonotonicClock;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The configured sentinels, their latest answers, and the master a majority of them name
 * (Redis Sentinel fails over only with a majority, so an instance follows a new master only
 * once most sentinels name it; the rules are in {@link SentinelVotes}). The sentinels' side of
 * {@link RedisTopology}, which probes the data nodes and publishes the view.
 *
 * <p>Thread-safe: answers arrive on the Redis client's threads, the election runs on the
 * topology's refresh thread.
 */
final class SentinelQuorum {

    private static final Logger LOG = Logger.getLogger(SentinelQuorum.class);

    private final List<RedisNode> sentinels;
    private final String masterName;
    /** How long an answer counts toward a majority (ms): the network timeout and a second. */
    private final long freshMs;
    private final Map<RedisNode, SentinelView> views = new ConcurrentHashMap<>();
    /** Master address -> the latest time a majority of sentinels named it (see confirmedAtMs). */
    private final Map<String, Long> confirmed = new ConcurrentHashMap<>();
    private volatile String master;

    /**
     * @param sentinels  a connection to each configured sentinel; not empty
     * @param masterName the monitored master's name (REDIS_MASTER_NAME)
     * @param freshMs    how long an answer counts toward a majority, ms
     */
    SentinelQuorum(List<RedisNode> sentinels, String masterName, long freshMs) {
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("REDIS_SENTINELS names no sentinel");
        }
        this.sentinels = sentinels;
        this.masterName = masterName;
        this.freshMs = freshMs;
    }

    /**
     * Ask every sentinel for the master and its replicas, without waiting: one question in
     * flight per sentinel. A sentinel that stops answering keeps its last word: with every
     * sentinel gone the data nodes still serve, judged by their own probes.
     *
     * @param answered run after each answer is recorded (on the Redis client's thread)
     */
    void askAll(Runnable answered) {
        sentinels.forEach(sentinel -> ask(sentinel, answered));
    }

    private void ask(RedisNode sentinel, Runnable answered) {
        if (!sentinel.startProbe()) {
            return;
        }
        // The answer holds as of when it was asked at the latest: the view is timed from then.
        long askedAt = MonotonicClock.millis();
        var masterAddr = sentinel.sendAsync(Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg(masterName));
        var replicas = sentinel.sendAsync(Request.cmd(Command.SENTINEL).arg("REPLICAS").arg(masterName));
        masterAddr.thenCombine(replicas, (m, r) -> SentinelView.parse(m, r, askedAt))
                .whenComplete((view, error) -> {
                    sentinel.endProbe();
                    if (error == null) {
                        views.put(sentinel, view);
                        long at = view.master() == null ? 0
                                : SentinelVotes.confirmedAtMs(views.values(), view.master(), sentinels.size());
                        if (at > 0) {
                            confirmed.merge(view.master(), at, Math::max);
                        }
                        answered.run();
                    }
                });
    }

    /**
     * The master a majority of the configured sentinels name in fresh answers; without such a
     * majority, the one followed now. Changes nothing: {@link #follow} does.
     *
     * @return host:port, null while no majority has ever named one
     */
    String elected() {
        long now = MonotonicClock.millis();
        Map<String, Long> votes = views.values().stream()
                .filter(v -> v.master() != null && now - v.atMs() <= freshMs)
                .collect(Collectors.groupingBy(SentinelView::master, Collectors.counting()));
        // A majority of the configured sentinels, not of those that answered: Sentinel itself
        // fails over only with a majority, and the confirmation time relies on every instance
        // moving to a new master only once most sentinels name it.
        int majority = SentinelVotes.majorityOf(sentinels.size());
        return votes.entrySet().stream().filter(e -> e.getValue() >= majority)
                .map(Map.Entry::getKey).findFirst().orElse(master);
    }

    /**
     * Follow {@code elected} from now on (once its data node is known, so that no view names a
     * master it has no node for); a change is logged as {@code REDIS_MASTER}.
     */
    void follow(String elected) {
        if (!elected.equals(master)) {
            LogEvent.of("REDIS_MASTER").with(LogEvent.NODE, elected).with(LogEvent.PREVIOUS_NODE, master)
                    .info(LOG, "the sentinels name a new master");
            master = elected;
        }
    }

    /** host:port of the master followed now; null before any. */
    String master() {
        return master;
    }

    /** host:port of every replica any sentinel's latest answer lists. */
    Set<String> listedReplicas() {
        return views.values().stream().flatMap(v -> v.replicas().keySet().stream()).collect(Collectors.toSet());
    }

    /**
     * When a majority of the configured sentinels last named {@code master} (each sentinel's
     * latest answer counts; a sentinel that stopped answering keeps its last); published as
     * {@link io.captier.topology.TopologyView#sentinelsConfirmedAtMs()}.
     * Redis Sentinel promotes a replica only after a majority has agreed, and an instance writes
     * to the new master only once most sentinels name it; a sentinel answers with the new master
     * from then on. So a write acknowledged on another master than this one was made after this
     * time: whatever this master's lineage holds, it misses nothing older (docs/architecture.md A3;
     * found by the drill's partitions, where a cut-off instance kept reading a replaced master).
     *
     * <p>Kept per master as the latest time found: while the answers move to another master
     * one by one, this one's last majority still stands for what it was.
     *
     * @return ms on {@link MonotonicClock} when the question was asked, 0 when no majority
     *         has named the master yet (or {@code master} is null)
     */
    long confirmedAtMs(String master) {
        return master == null ? 0 : confirmed.getOrDefault(master, 0L);
    }

    /** Flags the sentinels give each replica of {@code master}: the freshest answer that names it. */
    Map<String, SentinelView.Replica> replicaFlags(String master) {
        SentinelView view = views.values().stream()
                .filter(v -> Objects.equals(v.master(), master))
                .max(Comparator.comparingLong(SentinelView::atMs)).orElse(null);
        return view == null ? Map.of() : view.replicas();
    }

    /** {@link SentinelVotes#promotable} over the latest answers, now. */
    Set<String> promotable(String master) {
        return SentinelVotes.promotable(views.values(), master, sentinels.size(), MonotonicClock.millis(), freshMs);
    }

    /** Each configured sentinel and when its latest answer was asked (0: none yet). */
    List<SentinelNodeView> answers() {
        return sentinels.stream().map(s -> {
            SentinelView v = views.get(s);
            return new SentinelNodeView(s.address(), v == null ? 0 : v.atMs());
        }).toList();
    }

    void close() {
        sentinels.forEach(RedisNode::close);
    }
}
