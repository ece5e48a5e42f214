package io.captier.cluster.network;

import java.util.ArrayList;
import java.util.List;

/**
 * One node of a harness network: a network namespace {@code cpt-<runid>-<node>} whose only link is a
 * veth pair to the {@link Bridge}, {@code cpt<runid>v<index>} on the bridge and {@link #DEVICE} inside
 * with the host's address; {@code lo} is up, there is no default route, so nothing in it can reach
 * anything but the bridge's subnet. Servers start inside it through {@link #exec}.
 */
public final class Host {

    /** The namespace's own end of the veth pair. */
    static final String DEVICE = "veth0";

    private final String node;
    private final String netns;
    private final String bridgePort;
    private final String address;
    private final String subnet;

    private Host(String node, String netns, String bridgePort, String address, String subnet) {
        this.node = node;
        this.netns = netns;
        this.bridgePort = bridgePort;
        this.address = address;
        this.subnet = subnet;
    }

    /**
     * Creates the namespace and its link for host number {@code index} of the run. Throws
     * IllegalStateException when an {@code ip} command fails (what was made is in {@code cleanup}).
     */
    static Host create(String runId, String node, int index, Bridge bridge, Cleanup cleanup) {
        String netns = "cpt-" + runId + "-" + node;
        String port = "cpt" + runId + "v" + index;
        String address = bridge.subnet().hostAddress(index);
        cleanup.beforeCreating(List.of("ip", "netns", "del", netns));
        Bridge.ip("netns", "add", netns);
        // Deleting the bridge-side end removes the pair, even while a process keeps the namespace alive.
        cleanup.beforeCreating(List.of("ip", "link", "del", port));
        Bridge.ip("link", "add", port, "type", "veth", "peer", "name", DEVICE, "netns", netns);
        Bridge.ip("link", "set", port, "master", bridge.name(), "up");
        Bridge.ip("-n", netns, "addr", "add", address + "/24", "dev", DEVICE);
        Bridge.ip("-n", netns, "link", "set", DEVICE, "up");
        Bridge.ip("-n", netns, "link", "set", "lo", "up");
        return new Host(node, netns, port, address, bridge.subnet().cidr());
    }

    /** The node's name in the topology, e.g. "redis-a". */
    public String node() {
        return node;
    }

    /** The namespace's name, {@code cpt-<runid>-<node>}. */
    public String netns() {
        return netns;
    }

    /** The host's IPv4 address on the bridge. */
    public String address() {
        return address;
    }

    /** The network's /24, where every other host and the test JVM's bridge address are. */
    public String subnet() {
        return subnet;
    }

    /** The veth end that is a port of the bridge, in the root namespace. */
    public String bridgePort() {
        return bridgePort;
    }

    /** {@code argv} run inside this host's namespace: {@code ip netns exec NS argv...} (it execs in
     *  place, so the PID a launcher sees is the command's own). */
    public List<String> exec(List<String> argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(argv);
        return full;
    }

    @Override
    public String toString() {
        return node + "@" + address;
    }
}
