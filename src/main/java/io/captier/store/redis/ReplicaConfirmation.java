package io.captier.store.redis;

import io.captier.config.CaptierConfig;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * Whether a write on the Redis master is also on every replica a failover may promote: what
 * {@code replicated-buffer} promises (docs/architecture.md A5; docs/decisions.md, "A replicated
 * buffer is only as safe as every replica a failover may promote"). One rule for a fresh
 * buffered write and for a retry's copy alike ({@link PendingStream}).
 *
 * <p>By name, not by number: WAIT counts acknowledgements, and in a split the replica on the
 * master's side acknowledges while the one the far side promotes cannot. So after the WAIT,
 * the master's {@code INFO replication} must show each of those replicas at or past the
 * write's offset.
 */
@ApplicationScoped
public class ReplicaConfirmation {

    private final RedisTopology topology;
    private final long waitMs;

    public ReplicaConfirmation(RedisTopology topology, CaptierConfig config) {
        this.topology = topology;
        // WAIT must give up well inside the network timeout, or the client call times out first.
        this.waitMs = Math.max(10, config.networkTimeout().toMillis() / 2);
    }

    /**
     * The replicas whose copy counts for a write to {@code master}
     * ({@link RedisTopology#promotableReplicas}), as the sentinels' latest answers show them.
     *
     * @param master host:port of the node the write goes to
     * @return host:port of each; empty when none is known (nothing can then be confirmed)
     */
    public Set<String> replicasOf(String master) {
        return topology.promotableReplicas(master);
    }

    /**
     * Whether every one of {@code replicas} holds everything this connection wrote before:
     * the master's replication offset after those writes (and each of those replicas online,
     * else no at once), then WAIT (which asks the replicas to acknowledge, unless they already
     * have this connection's last write), then each replica's acknowledged offset in the
     * master's INFO. The offset may include other clients' later writes: then the answer may
     * be no where yes was true, never the reverse.
     *
     * @param conn     the connection the write went over, to the master
     * @param replicas host:port of each ({@link #replicasOf}); none known is not confirmed
     * @return completes with true when each acknowledged within the WAIT's {@code NETWORK_TIMEOUT_SEC / 2};
     *         fails when the master does not answer
     */
    public Future<Boolean> held(RedisConnection conn, Set<String> replicas) {
        if (replicas.isEmpty()) {
            return Future.succeededFuture(false);
        }
        Request info = Request.cmd(Command.INFO).arg("replication");
        return conn.send(info).compose(before -> {
            ReplicationInfo now = ReplicationInfo.parse(String.valueOf(before));
            if (!now.allOnline(replicas)) {
                // One is not streaming from this master (disconnected, in an initial sync): it
                // cannot acknowledge, so the WAIT would only hold the connection for waitMs. (A
                // replica cut off without a reset stays online until repl-timeout: WAIT then runs.)
                return Future.succeededFuture(false);
            }
            long written = now.masterOffset();
            return conn.send(Request.cmd(Command.WAIT).arg(replicas.size()).arg(waitMs))
                    .compose(acked -> conn.send(info))
                    .map(after -> ReplicationInfo.parse(String.valueOf(after)).allAcknowledged(replicas, written));
        });
    }
}
