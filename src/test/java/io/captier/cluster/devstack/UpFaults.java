package io.captier.cluster.devstack;

import io.captier.cluster.app.SkewedClock;
import io.captier.cluster.network.Host;
import io.captier.cluster.network.Partitions;
import io.captier.cluster.process.ProcessTopology;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The faults {@code scripts/up --faults} adds to scripts/ctl: partitions between the database
 * nodes, each in a network namespace of its own ({@link TopologyOptions#withNetwork()}),
 * and the instances' clocks, each instance on a {@link SkewedClock} from its start (offset 0).
 * The captier instances, NGINX and Prometheus stay in the root namespace on 127.0.0.1; a
 * partition can still cut them off from database nodes ({@code instances} below).
 *
 * <ul>
 *   <li>{@code partition SIDE OTHER_SIDE}: every node of one side cut off from every node of
 *       the other, both ways; a side is a comma-separated list of node names (pg-a, redis-b,
 *       sentinel-c), roles as they are now (pg-primary, pg-standby, redis-master,
 *       redis-replicas, sentinels) or {@code instances} (everything in the root namespace:
 *       every captier instance, NGINX, Prometheus, scripts/ctl status's own queries).</li>
 *   <li>{@code partition isolate NODE}: the node cut off from everything.</li>
 *   <li>{@code heal}: every cut removed.</li>
 *   <li>{@code clock INSTANCE OFFSET}: the instance's wall clock set to run OFFSET ahead
 *       ({@code +10s}, {@code -500ms}, {@code 0}); it takes effect within a second.</li>
 * </ul>
 */
final class UpFaults {

    private static final Pattern OFFSET = Pattern.compile("([+-]?\\d+)(ms|s)?");

    private final ProcessTopology topology;
    /** Instance name to its clock. */
    private final Map<String, SkewedClock> clocks = new LinkedHashMap<>();

    /** @param topology a topology on a harness network */
    UpFaults(ProcessTopology topology) {
        this.topology = topology;
    }

    /** A clock of its own for instance {@code name}, at offset 0: the environment to start it with. */
    Map<String, String> clockFor(String name, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SkewedClock clock = SkewedClock.create(dir, 0);
        clocks.put(name, clock);
        return clock.env();
    }

    /**
     * Carries out {@code op} with its {@code args} (the path segments after it) and returns what
     * to print; throws IllegalArgumentException for an operation that is not one of these or
     * arguments it cannot use (nothing changed then).
     */
    String act(String op, List<String> args) {
        Partitions partitions = topology.partitions();
        switch (op) {
            case "partition" -> {
                if (args.size() == 2 && args.get(0).equals("isolate")) {
                    partitions.isolate(hostOf(args.get(1)));
                } else if (args.size() == 2) {
                    cut(partitions, args.get(0), args.get(1));
                } else {
                    throw new IllegalArgumentException("partition takes SIDE OTHER_SIDE or isolate NODE");
                }
                return "partition " + String.join(" ", args) + ": cuts now " + describeCuts() + "\n";
            }
            case "heal" -> {
                partitions.heal();
                return "heal: no cuts\n";
            }
            case "clock" -> {
                if (args.size() != 2 || !clocks.containsKey(args.get(0))) {
                    throw new IllegalArgumentException("clock takes INSTANCE OFFSET; instances: " + clocks.keySet());
                }
                long ms = offsetMs(args.get(1));
                clocks.get(args.get(0)).step(ms);
                return "clock " + args.get(0) + ": " + ms + " ms ahead of the machine's (within a second)\n";
            }
            default -> throw new IllegalArgumentException("not a fault operation: " + op);
        }
    }

    /** The cuts in force, "from -> to" by node name ("instances" for the root namespace). */
    String describeCuts() {
        Map<String, String> names = new LinkedHashMap<>();
        topology.network().orElseThrow().hosts().forEach(h -> names.put(h.address(), h.node()));
        return String.join(", ", topology.partitions().cuts().stream()
                .map(c -> names.getOrDefault(c.from(), "instances") + " -> " + names.getOrDefault(c.to(), "instances"))
                .toList());
    }

    /** "+10s", "-500ms", "3" (seconds) in ms; IllegalArgumentException otherwise. */
    static long offsetMs(String text) {
        Matcher m = OFFSET.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("an offset is like +10s, -500ms or 0, not '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return "ms".equals(m.group(2)) ? n : n * 1000;
    }

    private void cut(Partitions partitions, String side, String other) {
        boolean rootA = side.equals("instances");
        boolean rootB = other.equals("instances");
        if (rootA && rootB) {
            throw new IllegalArgumentException("the instances cannot be cut off from themselves");
        }
        if (rootA || rootB) {
            partitions.cutFromRoot(hostsOf(rootA ? other : side));
        } else {
            partitions.cut(hostsOf(side), hostsOf(other));
        }
    }

    private List<Host> hostsOf(String side) {
        List<Host> hosts = new ArrayList<>();
        for (String target : side.split(",")) {
            switch (target) {
                case "redis-replicas" -> topology.redisReplicas().forEach(n -> hosts.add(topology.host(n.name())));
                case "sentinels" -> ProcessTopology.SENTINELS.forEach(n -> hosts.add(topology.host(n)));
                default -> hosts.add(hostOf(target));
            }
        }
        return hosts;
    }

    private Host hostOf(String target) {
        Topology.Node node = switch (target) {
            case "pg-primary" -> topology.pgPrimary();
            case "pg-standby" -> topology.pgStandby();
            case "redis-master" -> topology.redisMaster();
            default -> topology.node(target);
        };
        return topology.host(node.name());
    }
}
