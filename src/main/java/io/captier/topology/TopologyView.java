package io.captier.topology;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Who is where, as this instance's probes last found it: one immutable value, replaced whole
 * whenever a probe or a sentinel answers ({@link Topology}). The read path, readiness,
 * {@code /nodes}, the staleness gauges and the stores' choice of primary and master all read
 * it, so they agree with one another and a request neither probes nor locks
 * (docs/architecture.md, "Rooms and doors"; docs/decisions.md, "One topology view").
 *
 * <p>What a node was found to be does not say it still is: a probe that stopped answering (a
 * paused node, a hung connection) leaves its last finding standing. So the questions below take
 * {@code now} and pass over a finding older than {@link #freshMs()}, as the stores did before.
 */
public final class TopologyView {

    private final List<PostgresNodeView> postgres;
    private final boolean schemaMigrated;
    private final String redisMaster;
    private final long sentinelsConfirmedAtMs;
    private final List<RedisNodeView> redis;
    private final List<RedisNodeView> replicasFreshestFirst;
    private final List<SentinelNodeView> sentinels;
    private final long freshMs;

    /**
     * @param postgres               the PostgreSQL nodes, in DATABASE_URL order
     * @param schemaMigrated         the schema is in place on the primary
     * @param redisMaster            host:port of the master a majority of sentinels named, null before any did
     * @param sentinelsConfirmedAtMs when a majority last named that master ({@code MonotonicClock} ms), 0 if never
     * @param redis                  the Redis data nodes, by address
     * @param sentinels              the configured sentinels
     * @param freshMs                how old a finding may be and still count (NETWORK_TIMEOUT_SEC plus a second)
     */
    public TopologyView(List<PostgresNodeView> postgres, boolean schemaMigrated, String redisMaster,
                        long sentinelsConfirmedAtMs, List<RedisNodeView> redis, List<SentinelNodeView> sentinels,
                        long freshMs) {
        this.postgres = List.copyOf(postgres);
        this.schemaMigrated = schemaMigrated;
        this.redisMaster = redisMaster;
        this.sentinelsConfirmedAtMs = sentinelsConfirmedAtMs;
        this.redis = List.copyOf(redis);
        this.sentinels = List.copyOf(sentinels);
        this.freshMs = freshMs;
        // Sorted once here, not on every read.
        this.replicasFreshestFirst = this.redis.stream()
                .filter(n -> n.readable() && !n.address().equals(redisMaster))
                .sorted(Comparator.comparingLong(RedisNodeView::heartbeatMs).reversed())
                .toList();
    }

    /** Nothing probed yet. */
    public static TopologyView empty(long freshMs) {
        return new TopologyView(List.of(), false, null, 0, List.of(), List.of(), freshMs);
    }

    /** This view with the PostgreSQL side replaced. */
    public TopologyView withPostgres(List<PostgresNodeView> nodes, boolean migrated) {
        return new TopologyView(nodes, migrated, redisMaster, sentinelsConfirmedAtMs, redis, sentinels, freshMs);
    }

    /** This view with the Redis side replaced (arguments as in the constructor). */
    public TopologyView withRedis(String master, long confirmedAtMs, List<RedisNodeView> nodes,
                                  List<SentinelNodeView> sentinelNodes) {
        return new TopologyView(postgres, schemaMigrated, master, confirmedAtMs, nodes, sentinelNodes, freshMs);
    }

    public List<PostgresNodeView> postgres() {
        return postgres;
    }

    public boolean schemaMigrated() {
        return schemaMigrated;
    }

    /** The master as the sentinels name it, whether or not it answers; null before any majority named one. */
    public String redisMaster() {
        return redisMaster;
    }

    /** When a majority of sentinels last named {@link #redisMaster()} ({@code MonotonicClock} ms), 0 if never. */
    public long sentinelsConfirmedAtMs() {
        return sentinelsConfirmedAtMs;
    }

    public List<RedisNodeView> redis() {
        return redis;
    }

    public List<SentinelNodeView> sentinels() {
        return sentinels;
    }

    /** How old a finding may be and still count, in ms. */
    public long freshMs() {
        return freshMs;
    }

    /** A finding made at {@code probedAtMs} still counts at {@code now} (both {@code MonotonicClock} ms). */
    public boolean fresh(long probedAtMs, long now) {
        return probedAtMs > 0 && now - probedAtMs <= freshMs;
    }

    /**
     * The Redis master to write to: the one the sentinels name, reachable, saying itself that
     * it is a master, found so lately.
     *
     * @return empty when none is, or no majority of sentinels has named one yet
     */
    public Optional<RedisNodeView> usableRedisMaster(long now) {
        if (redisMaster == null) {
            return Optional.empty();
        }
        return redis.stream()
                .filter(n -> n.address().equals(redisMaster))
                .filter(n -> n.reachable() && n.reportedRole() == NodeRole.MASTER && fresh(n.probedAtMs(), now))
                .findFirst();
    }

    /** The replicas fit to read from, found so lately, freshest heartbeat first. */
    public List<RedisNodeView> readableReplicas(long now) {
        List<RedisNodeView> fresh = new ArrayList<>(replicasFreshestFirst.size());
        for (RedisNodeView n : replicasFreshestFirst) {
            if (fresh(n.probedAtMs(), now)) {
                fresh.add(n);
            }
        }
        return fresh;
    }

    /**
     * The PostgreSQL nodes that are reachable as a primary the fence lets through, found so
     * lately. One is the primary; none means there is no primary now, and two or more are a
     * split brain nobody may write into.
     */
    public List<PostgresNodeView> usablePrimaries(long now) {
        return postgres.stream().filter(n -> n.usablePrimary() && fresh(n.probedAtMs(), now)).toList();
    }

    /** The reachable standby with the newest heartbeat, found so lately. */
    public Optional<PostgresNodeView> standby(long now) {
        return postgres.stream()
                .filter(n -> n.reachable() && n.role() == NodeRole.STANDBY && fresh(n.probedAtMs(), now))
                .max(Comparator.comparingLong(PostgresNodeView::heartbeatMs));
    }

    /** The sentinel's latest answer was asked for so lately. */
    public boolean answered(SentinelNodeView sentinel, long now) {
        return fresh(sentinel.answeredAtMs(), now);
    }
}
