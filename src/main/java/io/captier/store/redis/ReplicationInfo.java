package io.captier.store.redis;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

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

    private static final Pattern REPLICA_FIELD = Pattern.compile("slave[0-9]+");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,18}");

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
        Map<String, Map<String, String>> connected = replicas();
        return offset >= 0 && replicas.stream().allMatch(replica -> connected.containsKey(replica)
                && number(connected.get(replica).get("offset")) >= offset);
    }

    /** Whether each of {@code replicas} (host:port) is connected and streaming ({@code state=online}). */
    boolean allOnline(Collection<String> replicas) {
        Map<String, Map<String, String>> connected = replicas();
        return replicas.stream().allMatch(replica -> connected.containsKey(replica)
                && "online".equals(connected.get(replica).get("state")));
    }

    /**
     * host:port -> that replica's fields. Should two lines name one address, the one with the
     * lower offset stands for it: the check then fails safe.
     */
    private Map<String, Map<String, String>> replicas() {
        Map<String, Map<String, String>> byAddress = new HashMap<>();
        fields.forEach((name, value) -> {
            if (REPLICA_FIELD.matcher(name).matches()) {
                Map<String, String> r = new HashMap<>();
                for (String pair : value.split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        r.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                byAddress.merge(r.get("ip") + ":" + r.get("port"), r,
                        (a, b) -> number(a.get("offset")) <= number(b.get("offset")) ? a : b);
            }
        });
        return byAddress;
    }

    private static long number(String value) {
        return value != null && NUMBER.matcher(value).matches() ? Long.parseLong(value) : -1;
    }
}
