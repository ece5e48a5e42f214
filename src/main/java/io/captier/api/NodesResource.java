package io.captier.api;

import io.captier.staleness.Staleness;
import io.captier.store.postgres.PgCluster;
import io.captier.store.postgres.PgNode;
import io.captier.store.postgres.PgProbe;
import io.captier.store.redis.RedisNode;
import io.captier.store.redis.RedisProbe;
import io.captier.store.redis.RedisTopology;
import io.captier.store.redis.SentinelView;
import io.captier.security.Role;
import io.captier.topology.NodeRole;
import io.captier.version.MonotonicClock;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** GET /nodes: the topology as this instance sees it, node by node (DESIGN section 2). */
@Path("/nodes")
public class NodesResource {

    private final PgCluster pg;
    private final RedisTopology redis;
    private final Staleness staleness;

    public NodesResource(PgCluster pg, RedisTopology redis, Staleness staleness) {
        this.pg = pg;
        this.redis = redis;
        this.staleness = staleness;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.Names.READ)
    public List<Map<String, Object>> nodes() {
        long now = MonotonicClock.millis();
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (PgNode node : pg.nodes()) {
            PgProbe p = node.probe();
            Map<String, Object> n = node(node.name(), "postgres", p.role().wireName(), p.reachable(), p.probedAtMs(), p.error());
            n.put("timeline", p.timeline());
            n.put("fenced", pg.isFenced(node));
            n.put("staleness_ms", shown(staleness.ofPg(node, pg.isFenced(node), now)));
            nodes.add(n);
        }
        String master = redis.masterAddress();
        Map<String, SentinelView.Replica> flags = redis.replicaViews();
        for (RedisNode node : redis.dataNodes()) {
            RedisProbe p = node.probe();
            boolean isMaster = node.address().equals(master);
            Map<String, Object> n = node(node.address(), "redis", (isMaster ? NodeRole.MASTER : NodeRole.REPLICA).wireName(), p.reachable(),
                    p.probedAtMs(), p.error());
            n.put("reported_role", p.role().wireName());
            n.put("link_up", p.linkUp());
            n.put("syncing", p.syncing());
            SentinelView.Replica r = flags.get(node.address());
            n.put("sentinel_flags", r == null ? (isMaster ? "master" : "") : r.flags());
            n.put("staleness_ms", shown(staleness.ofRedis(node, now)));
            nodes.add(n);
        }
        for (RedisNode sentinel : redis.sentinels()) {
            nodes.add(node(sentinel.address(), "sentinel", NodeRole.SENTINEL.wireName(), redis.answered(sentinel), 0, null));
        }
        return nodes;
    }

    private static Map<String, Object> node(String name, String kind, String role, boolean reachable,
                                            long probedAtMs, String error) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("node", name);
        n.put("kind", kind);
        n.put("role", role);
        n.put("reachable", reachable);
        if (probedAtMs > 0) {
            n.put("probed_at_ms", probedAtMs);
        }
        if (error != null && !reachable) {
            n.put("error", error);
        }
        return n;
    }

    /** No bound is shown as null. */
    private static Long shown(OptionalLong stalenessMs) {
        return stalenessMs.isPresent() ? stalenessMs.getAsLong() : null;
    }
}
