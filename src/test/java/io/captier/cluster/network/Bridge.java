package io.captier.cluster.network;

import io.captier.cluster.os.Processes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A Linux bridge named {@code cpt<runid>br} in the root namespace, holding the address
 * {@link Subnet#bridgeAddress()} so that the test JVM (which stays in the root namespace) reaches
 * every host directly on the link. The hosts' veth ends are its ports. Removed through the
 * {@link Cleanup} it was created with.
 */
public final class Bridge {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final Subnet subnet;

    private Bridge(String name, Subnet subnet) {
        this.name = name;
        this.subnet = subnet;
    }

    /**
     * Creates the bridge with a free subnet (see {@link Subnet}) and brings it up. Throws
     * IllegalStateException when no subnet stays free or an {@code ip} command fails.
     */
    static Bridge create(String runId, Cleanup cleanup) {
        String name = "cpt" + runId + "br";
        cleanup.beforeCreating(List.of("ip", "link", "del", name));
        ip("link", "add", name, "type", "bridge");
        ip("link", "set", name, "up");
        for (int attempt = 0; attempt < 10; attempt++) {
            Subnet s = Subnet.pickFree(RANDOM, Subnet.inUse());
            ip("addr", "add", s.bridgeAddress() + "/24", "dev", name);
            // Another run may have picked the same /24 between our look and our add: then the prefix
            // has a route on its bridge too, and we move on (it sees ours and does the same, or keeps it).
            boolean alone = onlyOn(ip("-4", "route", "show", "table", "all", "to", "match", s.bridgeAddress()), name);
            if (alone) {
                return new Bridge(name, s);
            }
            ip("addr", "del", s.bridgeAddress() + "/24", "dev", name);
        }
        throw new IllegalStateException("no subnet stayed free for bridge " + name);
    }

    /** The interface name, {@code cpt<runid>br}. */
    public String name() {
        return name;
    }

    public Subnet subnet() {
        return subnet;
    }

    /** The root namespace's address on the bridge: where the test JVM's traffic comes from. */
    public String address() {
        return subnet.bridgeAddress();
    }

    /** Whether every route of {@code ipRouteShow} but the default one goes out on {@code dev}. */
    static boolean onlyOn(String ipRouteShow, String dev) {
        for (String line : ipRouteShow.split("\n")) {
            List<String> t = List.of(line.trim().split("\\s+"));
            if (line.isBlank() || t.get(0).equals("default")) {
                continue;
            }
            int i = t.indexOf("dev");
            if (i < 0 || i + 1 >= t.size() || !t.get(i + 1).equals(dev)) {
                return false;
            }
        }
        return true;
    }

    static String ip(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        return Processes.runOrThrow(argv, Map.of(), null, Duration.ofSeconds(10));
    }
}
