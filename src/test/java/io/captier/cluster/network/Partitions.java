package io.captier.cluster.network;

import io.captier.cluster.os.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Network partitions between the hosts of a {@link Network}, made of nftables drop rules. Cuts add up
 * until {@link #heal()}; a cut packet is dropped, not rejected, as on a real broken link (so TCP
 * connects and reads hang until their timeouts).
 *
 * <p>Layout: one {@code inet} table {@code cpt<runid>} per host namespace, with an {@code input} chain
 * that drops by {@code ip saddr} and an {@code output} chain that drops by {@code ip daddr}. A cut
 * from X to host Y is a drop of saddr X on Y's input; a cut from host X to the root namespace (the
 * test JVM) is a drop of daddr root on X's output. Chosen over one {@code bridge} table on the veth
 * ports because (1) it never puts a rule into the root namespace, whose firewall belongs to the
 * machine, (2) rules by address read like the drill ("A cannot reach B") and (3) traffic between
 * the test JVM and a host does not cross a bridge port pair, where iifname/oifname matching would need
 * separate input/output hooks of the bridge family anyway.
 *
 * <p>Each change rewrites each affected host's table with one {@code nft -f} script (delete and
 * recreate the table in one transaction): a host's rules change atomically; hosts change one after
 * the other, within milliseconds.
 */
public final class Partitions {

    /** A directed cut: packets from address {@code from} to address {@code to} are dropped. */
    public record Cut(String from, String to) {
    }

    private final String table;
    private final String rootAddress;
    private final Path scriptDir;
    private final Cleanup cleanup;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Set<Cut> cuts = new LinkedHashSet<>();
    /** What each host's table holds now, so that a change rewrites only the hosts it touches. */
    private final Map<String, String> applied = new LinkedHashMap<>();
    private int scripts;

    Partitions(String runId, String rootAddress, Path scriptDir, Cleanup cleanup) {
        this.table = "cpt" + runId;
        this.rootAddress = rootAddress;
        this.scriptDir = scriptDir;
        this.cleanup = cleanup;
    }

    /** The nft table's name in every host namespace. */
    public String table() {
        return table;
    }

    /** Creates {@code host}'s (empty) table. */
    synchronized void add(Host host) {
        cleanup.beforeCreating(host.exec(List.of("nft", "delete", "table", "inet", table)));
        hosts.put(host.address(), host);
        apply();
    }

    /** Cuts {@code host} off from every other host and from the test JVM, both ways. */
    public synchronized void isolate(Host host) {
        for (String other : endpoints()) {
            if (!other.equals(host.address())) {
                both(host.address(), other);
            }
        }
        apply();
    }

    /**
     * Splits all hosts into two halves that cannot reach each other; the test JVM still reaches both.
     * Throws IllegalArgumentException unless {@code a} and {@code b} are disjoint, not empty, and
     * together every host.
     */
    public synchronized void split(Collection<Host> a, Collection<Host> b) {
        Set<String> all = new HashSet<>(addresses(a));
        all.addAll(addresses(b));
        if (!all.equals(hosts.keySet()) || a.size() + b.size() != hosts.size()) {
            throw new IllegalArgumentException("a split needs every host in exactly one half: " + a + " / " + b);
        }
        cut(a, b);
    }

    /** Cuts every host of {@code a} from every host of {@code b}, both ways; others stay as they are.
     *  Throws IllegalArgumentException when a host is in both or is not of this network. */
    public synchronized void cut(Collection<Host> a, Collection<Host> b) {
        Set<String> as = addresses(a);
        Set<String> bs = addresses(b);
        if (as.isEmpty() || bs.isEmpty() || as.stream().anyMatch(bs::contains)) {
            throw new IllegalArgumentException("a cut needs two disjoint, non-empty sets: " + a + " / " + b);
        }
        for (String x : as) {
            for (String y : bs) {
                both(x, y);
            }
        }
        apply();
    }

    /**
     * Cuts every host of {@code hs} off from the root namespace, both ways: from the test JVM, or
     * from what scripts/up runs there (the captier instances, NGINX, Prometheus); the hosts keep
     * reaching each other. Throws IllegalArgumentException for an empty set or a host not of this
     * network.
     */
    public synchronized void cutFromRoot(Collection<Host> hs) {
        Set<String> as = addresses(hs);
        if (as.isEmpty()) {
            throw new IllegalArgumentException("no host to cut off");
        }
        as.forEach(x -> both(x, rootAddress));
        apply();
    }

    /**
     * Drops packets from {@code from} to {@code to} only; {@code to}'s packets still reach
     * {@code from}. TCP then fails both ways (the SYN/ACK or the data never gets through), but
     * datagrams and their counters show the asymmetry.
     */
    public synchronized void oneWay(Host from, Host to) {
        addresses(List.of(from, to));
        cuts.add(new Cut(from.address(), to.address()));
        apply();
    }

    /**
     * Every host keeps its links only to the hosts near it on a ring (in the order given), so that each
     * sees a majority of them, itself included, and no two see the same majority. The rule: with
     * {@code n} hosts and majority {@code m = n/2 + 1}, host i keeps hosts at ring distance at most
     * {@code k = ceil((m - 1) / 2)} (i-k .. i+k) and is cut, both ways, from the rest. Needs
     * {@code n >= 4}: with three hosts every host's neighbours are all hosts, so there is nothing to
     * cut (use {@link #cut} for a 3-host "bridge" instead); throws IllegalArgumentException then.
     * The test JVM still reaches every host.
     */
    public synchronized void majorityRing(List<Host> ring) {
        List<String> r = new ArrayList<>(addresses(ring));
        for (Cut c : ringCuts(r)) {
            cuts.add(c);
        }
        apply();
    }

    /** The directed cuts {@link #majorityRing} makes for ring {@code r} (addresses or any names). */
    static List<Cut> ringCuts(List<String> r) {
        int n = r.size();
        if (n < 4) {
            throw new IllegalArgumentException("a majority ring needs at least 4 hosts, got " + n);
        }
        int m = n / 2 + 1;
        int k = m / 2; // = ceil((m - 1) / 2)
        List<Cut> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int d = Math.abs(i - j);
                if (Math.min(d, n - d) > k) {
                    out.add(new Cut(r.get(i), r.get(j)));
                }
            }
        }
        return out;
    }

    /**
     * Removes the cuts between every host of {@code a} and every host of {@code b}, both ways; other
     * cuts stay. Throws IllegalArgumentException when a host is not of this network.
     */
    public synchronized void heal(Collection<Host> a, Collection<Host> b) {
        Set<String> as = addresses(a);
        Set<String> bs = addresses(b);
        cuts.removeIf(c -> (as.contains(c.from()) && bs.contains(c.to())) || (bs.contains(c.from()) && as.contains(c.to())));
        apply();
    }

    /** Removes every cut. */
    public synchronized void heal() {
        cuts.clear();
        apply();
    }

    /** The cuts in force, for a test's log. */
    public synchronized List<Cut> cuts() {
        return List.copyOf(cuts);
    }

    private Set<String> endpoints() {
        Set<String> e = new LinkedHashSet<>(hosts.keySet());
        e.add(rootAddress);
        return e;
    }

    private Set<String> addresses(Collection<Host> hs) {
        Set<String> out = new LinkedHashSet<>();
        for (Host h : hs) {
            if (hosts.get(h.address()) != h) {
                throw new IllegalArgumentException(h + " is not a host of this network");
            }
            out.add(h.address());
        }
        return out;
    }

    private void both(String x, String y) {
        cuts.add(new Cut(x, y));
        cuts.add(new Cut(y, x));
    }

    /** Rewrites the table of every host whose rules differ from what it holds. */
    private void apply() {
        for (Host h : hosts.values()) {
            String script = script(h.address());
            if (!script.equals(applied.get(h.address()))) {
                run(h, script);
                applied.put(h.address(), script);
            }
        }
    }

    /** Host {@code self}'s whole table: "table; delete table; table {...}" is the nft idiom for
     *  replacing a table that may not exist yet, all in one transaction. */
    String script(String self) {
        Set<String> dropFrom = new TreeSet<>();
        Set<String> dropTo = new TreeSet<>();
        for (Cut c : cuts) {
            if (c.to().equals(self)) {
                dropFrom.add(c.from());
            } else if (c.from().equals(self) && c.to().equals(rootAddress)) {
                dropTo.add(c.to());
            }
        }
        StringBuilder s = new StringBuilder();
        s.append("table inet ").append(table).append("\n");
        s.append("delete table inet ").append(table).append("\n");
        s.append("table inet ").append(table).append(" {\n");
        s.append("  chain input {\n    type filter hook input priority filter - 10; policy accept;\n");
        if (!dropFrom.isEmpty()) {
            s.append("    ip saddr { ").append(String.join(", ", dropFrom)).append(" } drop\n");
        }
        s.append("  }\n");
        s.append("  chain output {\n    type filter hook output priority filter - 10; policy accept;\n");
        if (!dropTo.isEmpty()) {
            s.append("    ip daddr { ").append(String.join(", ", dropTo)).append(" } drop\n");
        }
        s.append("  }\n}\n");
        return s.toString();
    }

    private void run(Host h, String script) {
        Path file = scriptDir.resolve(String.format("nft-%03d-%s.nft", ++scripts, h.node()));
        try {
            Files.writeString(file, script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        Processes.runOrThrow(h.exec(List.of("nft", "-f", file.toString())), Map.of(), null, Duration.ofSeconds(10));
    }
}
