package io.captier.api;

import io.captier.security.Role;
import io.captier.staleness.LagFacts;
import io.captier.staleness.Staleness;
import io.captier.topology.NodeRole;
import io.captier.topology.PostgresNodeView;
import io.captier.topology.RedisNodeView;
import io.captier.topology.SentinelNodeView;
import io.captier.topology.Topology;
import io.captier.topology.TopologyView;
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

/**
 * GET /nodes: the topology as this instance sees it, node by node (README, "API"), from one
 * {@link TopologyView}: what the read path and readiness use at the same moment.
 */
@Path("/nodes")
public class NodesResource {

    private final Topology topology;
    private final Staleness staleness;

    public NodesResource(Topology topology, Staleness staleness) {
        this.topology = topology;
        this.staleness = staleness;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.Names.READ)
    public List<Map<String, Object>> nodes() {
        long now = MonotonicClock.millis();
        TopologyView view = topology.view();
        LagFacts facts = staleness.facts(view);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (PostgresNodeView p : view.postgres()) {
            Map<String, Object> n = node(p.name(), "postgres", p.role().wireName(), p.reachable(), p.probedAtMs(), p.error());
            n.put("timeline", p.timeline());
            n.put("fenced", p.fenced());
            n.put("staleness_ms", shown(Staleness.ofPg(facts, p, now)));
            nodes.add(n);
        }
        for (RedisNodeView p : view.redis()) {
            boolean isMaster = p.address().equals(view.redisMaster());
            Map<String, Object> n = node(p.address(), "redis", (isMaster ? NodeRole.MASTER : NodeRole.REPLICA).wireName(),
                    p.reachable(), p.probedAtMs(), p.error());
            n.put("reported_role", p.reportedRole().wireName());
            n.put("link_up", p.linkUp());
            n.put("syncing", p.syncing());
            n.put("sentinel_flags", p.sentinelFlags());
            n.put("staleness_ms", shown(Staleness.ofRedis(facts, p, now)));
            nodes.add(n);
        }
        for (SentinelNodeView sentinel : view.sentinels()) {
            nodes.add(node(sentinel.address(), "sentinel", NodeRole.SENTINEL.wireName(), view.answered(sentinel, now), 0, null));
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
