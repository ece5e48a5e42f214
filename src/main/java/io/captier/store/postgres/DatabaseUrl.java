package io.captier.store.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DATABASE_URL split into what captier needs: each host, the database, and the
 * parameters to keep. The URL may list several hosts (pgjdbc multi-host form); captier
 * talks to each one itself, so it can tell the primary from an old, fenced one.
 */
public record DatabaseUrl(List<HostPort> hosts, String database, Map<String, String> parameters) {

    private static final String PREFIX = "jdbc:postgresql://";

    public record HostPort(String host, int port) {
        public String address() {
            return host + ":" + port;
        }
    }

    public static DatabaseUrl parse(String url) {
        if (url == null || !url.startsWith(PREFIX)) {
            throw new IllegalArgumentException("DATABASE_URL must start with " + PREFIX + ", got: " + url);
        }
        String rest = url.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("DATABASE_URL names no database: " + url);
        }
        List<HostPort> hosts = new ArrayList<>();
        for (String part : rest.substring(0, slash).split(",")) {
            int colon = part.lastIndexOf(':');
            String host = colon < 0 ? part : part.substring(0, colon);
            int port = colon < 0 ? 5432 : Integer.parseInt(part.substring(colon + 1));
            if (host.isBlank()) {
                throw new IllegalArgumentException("DATABASE_URL has an empty host: " + url);
            }
            hosts.add(new HostPort(host, port));
        }
        String tail = rest.substring(slash + 1);
        int question = tail.indexOf('?');
        String database = question < 0 ? tail : tail.substring(0, question);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (question >= 0) {
            for (String pair : tail.substring(question + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                parameters.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        // captier decides these per connection; a value in the URL would contradict it.
        parameters.keySet().removeAll(List.of("targetServerType", "loadBalanceHosts"));
        return new DatabaseUrl(List.copyOf(hosts), database, Map.copyOf(parameters));
    }

    /** A single-host URL for one node, with the given extra parameters. */
    public String forHost(HostPort host, Map<String, String> extra) {
        StringBuilder url = new StringBuilder(PREFIX).append(host.address()).append('/').append(database);
        Map<String, String> all = new LinkedHashMap<>(parameters);
        all.putAll(extra);
        char sep = '?';
        for (Map.Entry<String, String> e : all.entrySet()) {
            url.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = '&';
        }
        return url.toString();
    }
}
