package io.captier.store.redis;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A Redis node's {@code INFO replication} answer, as fields: {@code role},
 * {@code master_link_status}, {@code master_repl_offset}, and on a master one
 * {@code slaveN} field per connected replica
 * ({@code ip=...,port=...,state=online,offset=...,lag=...}: the offset is the replication
 * offset the replica last acknowledged).
 *
 * @param fields name -> value, as the lines {@code name:value} give them
 */
record ReplicationInfo(Map<String, String> fields) {

    static ReplicationInfo parse(String info) {
        Map<String, String> fields = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return new ReplicationInfo(Map.copyOf(fields));
    }

    String field(String name, String otherwise) {
        return fields.getOrDefault(name, otherwise);
    }

    /** {@code master_repl_offset}: bytes of replication stream this node has produced; -1 when not given. */
    long masterOffset() {
        return number(fields.get("master_repl_offset"));
    }

    /**
     * Whether each of {@code replicas} (host:port) is connected to this master and has
     * acknowledged at least {@code offset}.
     */
    boolean allAcknowledged(Collection<String> replicas, long offset) {
        if (offset < 0) {
            return false;
        }
        Map<String, Long> acknowledged = new HashMap<>();
        fields.forEach((name, value) -> {
            if (name.matches("slave[0-9]+")) {
                Map<String, String> r = new HashMap<>();
                for (String pair : value.split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        r.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                acknowledged.put(r.get("ip") + ":" + r.get("port"), number(r.get("offset")));
            }
        });
        return replicas.stream().allMatch(replica -> acknowledged.getOrDefault(replica, -1L) >= offset);
    }

    private static long number(String value) {
        return value != null && value.matches("[0-9]{1,18}") ? Long.parseLong(value) : -1;
    }
}
