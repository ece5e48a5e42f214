package io.captier.cluster.topology;

import io.captier.cluster.topology.Topology.Kind;
import io.captier.cluster.topology.Topology.Node;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The stores' part of a captier instance's environment ({@link Topology#storeEnv()}), formatted in
 * one place so that every topology hands its instances the same variables in the same form.
 */
public final class StoreEnv {

    private StoreEnv() {
    }

    /**
     * @param nodes            the topology's nodes: its PostgreSQL nodes, in this order, make
     *                         DATABASE_URL's host list, its sentinels REDIS_SENTINELS
     * @param database         the service's database, the end of DATABASE_URL
     * @param databaseUser     the service's PostgreSQL role
     * @param databasePassword that role's password
     * @param redisMasterName  the name the sentinels watch the master under
     * @param redisPassword    the Redis nodes' and sentinels' password
     * @return DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, REDIS_SENTINELS, REDIS_MASTER_NAME and
     *         REDIS_PASSWORD, unmodifiable
     */
    public static Map<String, String> of(List<Node> nodes, String database, String databaseUser,
                                         String databasePassword, String redisMasterName, String redisPassword) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DATABASE_URL", "jdbc:postgresql://" + addresses(nodes, Kind.POSTGRES) + "/" + database);
        env.put("DATABASE_USER", databaseUser);
        env.put("DATABASE_PASSWORD", databasePassword);
        env.put("REDIS_SENTINELS", addresses(nodes, Kind.SENTINEL));
        env.put("REDIS_MASTER_NAME", redisMasterName);
        env.put("REDIS_PASSWORD", redisPassword);
        return Collections.unmodifiableMap(env);
    }

    /** host:port of every node of {@code kind}, comma-separated, in the given order. */
    private static String addresses(List<Node> nodes, Kind kind) {
        return nodes.stream().filter(n -> n.kind() == kind).map(Node::address).collect(Collectors.joining(","));
    }
}
