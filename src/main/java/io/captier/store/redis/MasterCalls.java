package io.captier.store.redis;

import io.captier.resilience.Breakers;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.function.Function;

/**
 * Calls on the Redis master, through its breaker, following a Sentinel failover by
 * themselves: a READONLY answer means the node was demoted, and the call is retried
 * once on the master the sentinels name next.
 */
@ApplicationScoped
public class MasterCalls {

    private final RedisTopology topology;
    private final Breakers breakers;

    public MasterCalls(RedisTopology topology, Breakers breakers) {
        this.topology = topology;
        this.breakers = breakers;
    }

    /**
     * Not knowing any master is no failure of the master's endpoint, so it is refused
     * before the breaker counts it.
     */
    public <T> T call(Function<RedisNode, T> work) {
        RedisNode master = topology.master();
        return breakers.get(Breakers.REDIS_MASTER).call(() -> {
            try {
                return work.apply(master);
            } catch (RedisNode.RedisErrorReply e) {
                if (!e.isReadOnly()) {
                    throw e;
                }
                return work.apply(topology.awaitNewMaster(master.address()));
            }
        });
    }
}
