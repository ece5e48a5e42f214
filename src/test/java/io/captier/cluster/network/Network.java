package io.captier.cluster.network;

import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A network of hosts for partition drills: one {@link Bridge}, one {@link Host} (network namespace)
 * per node, {@link Partitions} between them. Everything carries the run id ({@link #runId()}) in its
 * name and is removed by {@link #close()}, or by the given watchdog when the JVM dies first.
 *
 * <p>Before a host is handed out, the kernel's routes are checked ({@link RouteCheck}): from the root
 * namespace the host's address must be directly on the bridge, and from every host the bridge's and
 * every other host's address directly on its veth. Servers in hosts must be stopped before close()
 * (a process inside a deleted namespace keeps it alive until it exits, though without links).
 */
public final class Network implements AutoCloseable {

    private static final Pattern NODE = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String runId;
    private final Cleanup cleanup;
    private final Bridge bridge;
    private final Partitions partitions;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private boolean closed;

    private Network(String runId, Cleanup cleanup, Bridge bridge, Partitions partitions) {
        this.runId = runId;
        this.cleanup = cleanup;
        this.bridge = bridge;
        this.partitions = partitions;
    }

    /**
     * Creates the bridge (installing ip and nft when missing). {@code watchdog} undoes everything if
     * the JVM it watches dies first; {@code dir} keeps the nft scripts for the logs. Throws
     * IllegalStateException when the bridge cannot be created (nothing is left behind then).
     */
    public static Network create(Watchdog watchdog, Path dir) {
        Binaries.requireNetworkTools();
        // 6 characters keep "cpt" + id + "br" and "cpt" + id + "v" + index within IFNAMSIZ (15)
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            id.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        String runId = id.toString();
        Cleanup cleanup = new Cleanup(watchdog);
        try {
            Bridge bridge = Bridge.create(runId, cleanup);
            return new Network(runId, cleanup, bridge,
                    new Partitions(runId, bridge.address(), dir, cleanup));
        } catch (RuntimeException e) {
            cleanup.runAll();
            throw e;
        }
    }

    /**
     * Adds host {@code node} (lower-case letters, digits, dashes) and checks its routes. Throws
     * IllegalArgumentException for a bad or taken name, IllegalStateException when creating it fails
     * or a route is not the harness's own.
     */
    public synchronized Host addHost(String node) {
        if (closed) {
            throw new IllegalStateException("network " + runId + " is closed");
        }
        if (!NODE.matcher(node).matches() || hosts.containsKey(node)) {
            throw new IllegalArgumentException("bad or taken node name: " + node);
        }
        Host h = Host.create(runId, node, hosts.size(), bridge, cleanup);
        hosts.put(node, h);
        checkRoutes(h);
        partitions.add(h);
        return h;
    }

    private void checkRoutes(Host h) {
        RouteCheck.require(null, h.address(), bridge.name());
        RouteCheck.require(h.netns(), bridge.address(), Host.DEVICE);
        for (Host other : hosts.values()) {
            if (other != h) {
                RouteCheck.require(h.netns(), other.address(), Host.DEVICE);
                RouteCheck.require(other.netns(), h.address(), Host.DEVICE);
            }
        }
    }

    /**
     * Returns {@code address} when it is one of this network's (a host's or the bridge's) and the root
     * namespace reaches it directly on the bridge; throws IllegalStateException otherwise. For code
     * that takes an address from elsewhere before sending to it.
     */
    public String requireOwn(String address) {
        boolean ours = address.equals(bridge.address())
                || hosts.values().stream().anyMatch(h -> h.address().equals(address));
        if (!ours) {
            throw new IllegalStateException("refusing " + address + ": not an address of network " + runId
                    + " (" + bridge.subnet().cidr() + " on " + bridge.name() + ")");
        }
        if (!address.equals(bridge.address())) {
            RouteCheck.require(null, address, bridge.name());
        }
        return address;
    }

    /** The id in every name this network gives: {@code cpt<id>br}, {@code cpt-<id>-node}, ... */
    public String runId() {
        return runId;
    }

    public Bridge bridge() {
        return bridge;
    }

    public synchronized Host host(String node) {
        Host h = hosts.get(node);
        if (h == null) {
            throw new IllegalArgumentException("no host " + node + " in network " + runId);
        }
        return h;
    }

    public synchronized List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    public Partitions partitions() {
        return partitions;
    }

    /**
     * What with this run's id is still on the machine: namespaces, links, and nft tables of the root
     * namespace (the per-host tables live and die with their namespaces). Empty after close().
     */
    public List<String> leftovers() {
        List<String> out = new ArrayList<>();
        for (List<String> cmd : List.of(List.of("ip", "netns", "list"), List.of("ip", "-o", "link", "show"),
                List.of("nft", "list", "tables"))) {
            String listing = Processes.runOrThrow(cmd, Map.of(), null, Duration.ofSeconds(10));
            listing.lines().filter(l -> l.contains("cpt" + runId) || l.contains("cpt-" + runId + "-"))
                    .forEach(l -> out.add(String.join(" ", cmd) + ": " + l.strip()));
        }
        return out;
    }

    /** Removes the tables, links, namespaces and the bridge, newest first. Throws
     *  IllegalStateException when something could not be removed (after trying all of it). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failures = cleanup.runAll();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("network " + runId + " not fully removed: " + failures);
        }
    }

    @Override
    public String toString() {
        return "network " + runId + " " + bridge.subnet().cidr() + " on " + bridge.name() + " " + hosts.values();
    }
}
