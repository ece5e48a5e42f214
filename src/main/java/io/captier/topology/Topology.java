package io.captier.topology;

import io.captier.config.CaptierConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the current {@link TopologyView}. The PostgreSQL and the Redis probes each replace their
 * side of it as their findings come in; everyone else only reads it, without a lock.
 */
@ApplicationScoped
public class Topology {

    private final AtomicReference<TopologyView> current;

    public Topology(CaptierConfig config) {
        // A probe older than one network timeout plus a second is no news at all.
        this.current = new AtomicReference<>(TopologyView.empty(config.networkTimeout().toMillis() + 1000));
    }

    /** The view as of the latest finding; never null. */
    public TopologyView view() {
        return current.get();
    }

    /**
     * The PostgreSQL probes' findings, all nodes at once (the caller serialises its own
     * publications, so a later finding is never overwritten by an earlier one).
     */
    public void publishPostgres(List<PostgresNodeView> nodes, boolean migrated) {
        current.updateAndGet(v -> v.withPostgres(nodes, migrated));
    }

    /** The Redis probes' and sentinels' findings, all at once (see {@link TopologyView#withRedis}). */
    public void publishRedis(String master, long confirmedAtMs, List<RedisNodeView> nodes,
                             List<SentinelNodeView> sentinels) {
        current.updateAndGet(v -> v.withRedis(master, confirmedAtMs, nodes, sentinels));
    }
}
