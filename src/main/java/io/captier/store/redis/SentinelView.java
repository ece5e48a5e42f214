package io.captier.store.redis;

import io.vertx.redis.client.Response;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one sentinel said at one time: the master's address, and each replica it knows
 * with its flags (s_down, o_down, disconnected).
 *
 * @param atMs when the question was asked (epoch ms, this instance's clock): the answer
 *             holds as of then at the latest
 */
public record SentinelView(String master, Map<String, Replica> replicas, long atMs) {

    public record Replica(String address, String flags) {

        /** The sentinel thinks this replica down or cannot reach it: never read from it. */
        public boolean down() {
            return flags.contains("s_down") || flags.contains("o_down") || flags.contains("disconnected");
        }
    }

    /** Parse GET-MASTER-ADDR-BY-NAME and REPLICAS answers (RESP2 arrays). */
    static SentinelView parse(Response masterAddr, Response replicaList, long now) {
        String master = masterAddr == null || masterAddr.size() < 2 ? null
                : masterAddr.get(0).toString() + ":" + masterAddr.get(1).toString();
        Map<String, Replica> replicas = new LinkedHashMap<>();
        if (replicaList != null) {
            for (int i = 0; i < replicaList.size(); i++) {
                Map<String, String> fields = pairs(replicaList.get(i));
                String address = fields.get("ip") + ":" + fields.get("port");
                replicas.put(address, new Replica(address, fields.getOrDefault("flags", "")));
            }
        }
        return new SentinelView(master, Map.copyOf(replicas), now);
    }

    private static Map<String, String> pairs(Response flat) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            Response value = flat.get(i + 1);
            map.put(flat.get(i).toString(), value == null ? "" : value.toString());
        }
        return map;
    }
}
