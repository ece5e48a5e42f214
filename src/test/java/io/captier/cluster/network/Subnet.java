package io.captier.cluster.network;

import io.captier.cluster.os.Processes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The one private /24 a harness network uses, {@code 10.213.N.0/24}, only on its own bridge: the
 * bridge (the root namespace, where the test JVM runs) is {@code .1}, host {@code i} is
 * {@code .(11+i)}. N is drawn per run and checked against this machine's addresses and routes, so two
 * runs side by side pick different ones (and {@link Bridge} checks again once its route exists).
 */
public record Subnet(int third) {

    /** 10.213/16: a block no default setup (Docker's 172.17, libvirt's 192.168.122) uses. */
    static final String PREFIX = "10.213.";
    static final int MAX_HOSTS = 200;

    public Subnet {
        if (third < 0 || third > 255) {
            throw new IllegalArgumentException("third octet out of range: " + third);
        }
    }

    /** E.g. "10.213.57.0/24". */
    public String cidr() {
        return PREFIX + third + ".0/24";
    }

    /** The bridge's own address, the root namespace's side of the network. */
    public String bridgeAddress() {
        return PREFIX + third + ".1";
    }

    /** Host {@code index}'s address; throws IllegalArgumentException past {@link #MAX_HOSTS}. */
    public String hostAddress(int index) {
        if (index < 0 || index >= MAX_HOSTS) {
            throw new IllegalArgumentException("host index out of range: " + index);
        }
        return PREFIX + third + "." + (11 + index);
    }

    /** Whether {@code address} (dotted IPv4) lies in this /24. */
    public boolean contains(String address) {
        return overlaps(cidr(), address + "/32");
    }

    /**
     * A subnet none of {@code inUse} (CIDRs or bare addresses, as {@link #inUse()} returns them)
     * overlaps: the first free one from a random start, so that runs side by side start apart but a
     * free one is always found. Throws IllegalStateException when all 256 clash.
     */
    static Subnet pickFree(Random random, List<String> inUse) {
        int start = random.nextInt(256);
        for (int i = 0; i < 256; i++) {
            Subnet s = new Subnet((start + i) % 256);
            if (inUse.stream().noneMatch(c -> overlaps(c, s.cidr()))) {
                return s;
            }
        }
        throw new IllegalStateException("no free /24 in " + PREFIX + "0.0/16; in use: " + inUse);
    }

    /** Every IPv4 address and route destination on this machine, all tables, "default" left out. */
    static List<String> inUse() {
        List<String> out = new ArrayList<>();
        String addrs = run("ip", "-4", "-o", "addr", "show");
        for (String line : addrs.split("\n")) {
            String[] t = line.trim().split("\\s+");
            for (int i = 0; i + 1 < t.length; i++) {
                if (t[i].equals("inet")) {
                    out.add(t[i + 1]);
                }
            }
        }
        out.addAll(routeDestinations(run("ip", "-4", "route", "show", "table", "all")));
        return out;
    }

    /** The destination of each line of {@code ip route show}; a route type word (local, broadcast...)
     *  may come first, and "default" (0/0) is left out: it overlaps everything by definition. */
    static List<String> routeDestinations(String ipRouteShow) {
        List<String> out = new ArrayList<>();
        for (String line : ipRouteShow.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length == 0 || t[0].isEmpty()) {
                continue;
            }
            String dest = Character.isDigit(t[0].charAt(0)) || t.length == 1 ? t[0] : t[1];
            if (!dest.equals("default") && Character.isDigit(dest.charAt(0))) {
                out.add(dest);
            }
        }
        return out;
    }

    /** Whether two IPv4 CIDRs (a bare address is a /32) share any address. */
    static boolean overlaps(String a, String b) {
        long[] x = parse(a);
        long[] y = parse(b);
        int len = (int) Math.min(x[1], y[1]);
        long mask = len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
        return (x[0] & mask) == (y[0] & mask);
    }

    /** {address as unsigned int, prefix length}. */
    private static long[] parse(String cidr) {
        String[] parts = cidr.split("/");
        String[] o = parts[0].split("\\.");
        if (o.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: " + cidr);
        }
        long v = 0;
        for (String octet : o) {
            v = (v << 8) | Integer.parseInt(octet);
        }
        return new long[] {v, parts.length > 1 ? Integer.parseInt(parts[1]) : 32};
    }

    private static String run(String... argv) {
        return Processes.runOrThrow(List.of(argv), Map.of(), null, Duration.ofSeconds(10));
    }
}
