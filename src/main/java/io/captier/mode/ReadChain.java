package io.captier.mode;

import io.captier.staleness.LagFacts;
import io.captier.staleness.Staleness;
import io.captier.store.Entry;
import io.captier.store.Source;
import io.captier.store.local.LastKnownCache;
import io.captier.store.postgres.PgCluster;
import io.captier.store.postgres.PgReads;
import io.captier.store.redis.RedisStore;
import io.captier.store.redis.RedisTopology;
import io.captier.topology.PostgresNodeView;
import io.captier.topology.RedisNodeView;
import io.captier.topology.Topology;
import io.captier.topology.TopologyView;
import io.captier.version.MonotonicClock;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The sources an available read may use, in the order of docs/architecture.md A2 — Redis replicas
 * (freshest first), Redis master, PostgreSQL standby, PostgreSQL primary, the instance's
 * own last-known cache — each with the staleness bound it carries right now.
 */
@ApplicationScoped
public class ReadChain {

    private final Topology topology;
    private final RedisTopology redisTopology;
    private final RedisStore redis;
    private final PgCluster pgCluster;
    private final PgReads postgres;
    private final LastKnownCache cache;
    private final Staleness staleness;
    private final Vertx vertx;

    public ReadChain(Topology topology, RedisTopology redisTopology, RedisStore redis, PgCluster pgCluster,
                     PgReads postgres, LastKnownCache cache, Staleness staleness, Vertx vertx) {
        this.topology = topology;
        this.vertx = vertx;
        this.redisTopology = redisTopology;
        this.redis = redis;
        this.pgCluster = pgCluster;
        this.postgres = postgres;
        this.cache = cache;
        this.staleness = staleness;
    }

    /**
     * One place a read can be answered from; {@code stalenessMs} is its bound as of
     * {@code atMs} ({@link MonotonicClock} ms). Whatever it answers later holds at least what it held then, so that is
     * the time the bound (and anything remembered from the answer) is anchored to, however
     * slow the call was.
     *
     * @param authoritative a miss here means the key does not exist (as of the staleness);
     *                      a miss in the Redis projection only means "ask further"
     * @param missBounded   a miss here is an answer when nothing authoritative gives one: the
     *                      key was not written as of the staleness (false for a Redis node
     *                      while a projection is incomplete: {@link LagFacts#redisMissesBounded})
     * @param fetch         starts the lookup, which must not block its caller (an event loop):
     *                      empty for a miss; the stage fails when the source fails
     */
    public record Candidate(Source source, long stalenessMs, long atMs, boolean authoritative, boolean missBounded,
                            Supplier<CompletionStage<Optional<Entry>>> fetch) {
    }

    /**
     * The candidates for a key now, in A2 order, each bound taken on one snapshot of what this
     * instance knows: one {@link TopologyView} and the {@link Staleness#facts} with it. Sources
     * known to be down, and those with no bound, are left out. Nothing here probes or works
     * out the topology: the view says who is where, the stores only hand over the node's
     * connection (a map lookup).
     */
    public List<Candidate> candidates(String key) {
        long now = MonotonicClock.millis();
        TopologyView view = topology.view();
        LagFacts lag = staleness.facts(view);
        List<Candidate> chain = new ArrayList<>();
        boolean redisMisses = lag.redisMissesBounded();
        for (RedisNodeView replica : view.readableReplicas(now)) {
            lag.ofRedis(replica.heartbeatMs(), now).ifPresent(s -> chain.add(new Candidate(Source.REDIS_REPLICA,
                    s, now, false, redisMisses, () -> redis.read(redisTopology.node(replica.address()), false, key))));
        }
        view.usableRedisMaster(now).ifPresent(master -> lag.ofRedis(master.heartbeatMs(), now).ifPresent(s ->
                chain.add(new Candidate(Source.REDIS_MASTER, s, now, false, redisMisses,
                        () -> redis.read(redisTopology.node(master.address()), true, key)))));
        view.standby(now).ifPresent(standby -> lag.ofPgStandby(standby.heartbeatMs(), now).ifPresent(s ->
                chain.add(new Candidate(Source.POSTGRES_STANDBY, s, now, true, true,
                        () -> onWorker(() -> postgres.readStandby(pgCluster.node(standby.name()), key).entry())))));
        List<PostgresNodeView> primaries = view.usablePrimaries(now);
        if (view.schemaMigrated() && primaries.size() == 1) {
            // PgReads.readPrimary asks the cluster for the primary again when it runs: the one it writes to then.
            lag.ofPgPrimary(now).ifPresent(s -> chain.add(new Candidate(Source.POSTGRES_PRIMARY, s, now, true, true,
                    () -> onWorker(() -> postgres.readPrimary(key).entry()))));
        }
        cache.get(key).ifPresent(known -> chain.add(new Candidate(Source.LOCAL_CACHE, known.stalenessAt(now), now, false,
                false, () -> CompletableFuture.completedFuture(Optional.of(known.entry())))));
        return chain;
    }

    /**
     * A blocking lookup (JDBC) moved off the caller's event loop onto a worker thread: the
     * PostgreSQL sources are the fallbacks, so only a read that gets that far pays the hop.
     */
    private <T> CompletionStage<T> onWorker(Callable<T> lookup) {
        return vertx.executeBlocking(lookup, false).toCompletionStage();
    }

    /** The candidates beyond the bound, freshest first: the fallback when nothing fresh answers. */
    public static List<Candidate> freshestFirst(List<Candidate> candidates) {
        return candidates.stream().sorted(Comparator.comparingLong(Candidate::stalenessMs)).toList();
    }
}
