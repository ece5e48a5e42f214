package io.captier.drill.run;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.network.Host;
import io.captier.cluster.network.Network;
import io.captier.cluster.network.Partitions;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.Topology.Kind;
import io.captier.cluster.topology.Topology.Node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The partitions of a drill whose nodes and instances each run in a network namespace of their
 * own ({@code TopologyOptions.withNetwork()}): nftables cuts between their hosts
 * ({@link Partitions}), chosen by a seeded {@link Random} so that a drill's faults repeat from
 * its seed. The drill's clients, in the test JVM, keep reaching every instance: what is cut is
 * the instances' and the stores' view of each other.
 *
 * <p>Two kinds per cycle: the split Redis Sentinel is known to lose writes in (below), every
 * cycle; and one drawn from {@link #random()}, held while the nemesis kills something else.
 */
final class PartitionNemesis {

    /** How long a drawn partition is held (the network timeout and some). */
    static final Duration HOLD = Duration.ofSeconds(4);

    /** A partition drawn: what it is for the history, and the cut it makes (healed by {@link #heal()}). */
    record Partition(String kind, String target, Runnable cut) {
    }

    private final Topology topology;
    private final Network network;
    private final List<AppInstance> consistent;
    private final List<AppInstance> available;
    private final Random random;
    private final Consumer<String> narrator;

    /**
     * @param topology a topology on a harness network
     * @param network  its network ({@link Topology#network()}); the instances' hosts are named as they are
     * @param seed     the drill's seed: the same seed draws the same partitions
     */
    PartitionNemesis(Topology topology, Network network, List<AppInstance> consistent, List<AppInstance> available,
                     long seed, Consumer<String> narrator) {
        this.topology = topology;
        this.network = network;
        this.consistent = consistent;
        this.available = available;
        this.random = new Random(seed);
        this.narrator = narrator;
    }

    /**
     * The Redis master and {@code app} cut off from the sentinels and the Redis replicas, and
     * {@code app} from PostgreSQL as well, so that it can only buffer: into a master the sentinels
     * are replacing. Held until they promote a replica (at most 30 s); then the Redis side heals
     * first, and the old master becomes a replica of the new one, dropping its data, while
     * {@code app} still cannot drain its buffers into PostgreSQL; then everything heals. A write
     * acknowledged on the strength of the old master alone is lost here (docs/architecture.md A5 forbids that).
     *
     * @param whileCut run once the cuts are in place, before waiting for the promotion (a fault
     *                 that overlaps this one; {@code () -> {}} for none)
     */
    void splitTheRedisMasterSide(AppInstance app, Runnable whileCut) {
        Node oldMaster = topology.redisMaster();
        List<Host> masterSide = List.of(network.host(oldMaster.name()), host(app));
        Stream<Node> sentinels = topology.nodes().stream().filter(n -> n.kind() == Kind.SENTINEL);
        List<Host> majority = Stream.concat(sentinels, topology.redisReplicas().stream())
                .map(n -> network.host(n.name())).toList();
        Partitions partitions = network.partitions();
        try {
            partitions.cut(masterSide, majority);
            partitions.cut(List.of(host(app)), postgres());
            long cut = System.nanoTime();
            whileCut.run();
            boolean promoted = waitUntil(Duration.ofSeconds(30), () -> !oldMaster.equals(topology.redisMaster()));
            narrator.accept(promoted ? "sentinels promoted a replica after " + (System.nanoTime() - cut) / 1_000_000
                    + " ms" : "no promotion within 30 s");
            Nemesis.sleep(Duration.ofSeconds(1));
            partitions.heal(masterSide, majority);
            if (promoted) {
                waitUntil(Duration.ofSeconds(30), () -> roleOf(oldMaster).startsWith("slave"));
            }
        } finally {
            partitions.heal();
        }
    }

    /**
     * One of: a database node isolated from every other host; the PostgreSQL primary cut off
     * from its synchronous standby only; one instance per profile cut off from PostgreSQL but
     * not from Redis; one database node's packets to another dropped one way; every host on a
     * ring in random order, each seeing only its neighbours, a majority, and no two the same one
     * (Jepsen's "majorities ring"); every host split into two random halves. Instances are not isolated from the drill's clients: a request
     * that hangs for the client's whole timeout says nothing about the service.
     */
    Partition random() {
        List<String> databaseNodes = topology.nodes().stream().map(Node::name).toList();
        return switch (random.nextInt(6)) {
            case 0 -> {
                String node = databaseNodes.get(random.nextInt(databaseNodes.size()));
                yield new Partition("partition isolate", node, () -> network.partitions().isolate(network.host(node)));
            }
            case 1 -> {
                Node primary = topology.pgPrimary();
                Node standby = topology.pgStandby();
                yield new Partition("partition pg-primary from standby", primary.name() + "|" + standby.name(),
                        () -> network.partitions().cut(List.of(network.host(primary.name())),
                                List.of(network.host(standby.name()))));
            }
            case 2 -> {
                AppInstance cp = consistent.get(random.nextInt(consistent.size()));
                AppInstance ap = available.get(random.nextInt(available.size()));
                yield new Partition("partition instances from postgres", cp.name() + "," + ap.name(),
                        () -> network.partitions().cut(List.of(host(cp), host(ap)), postgres()));
            }
            case 3 -> {
                List<String> pair = new ArrayList<>(databaseNodes);
                Collections.shuffle(pair, random);
                yield new Partition("partition one-way", pair.get(0) + "->" + pair.get(1),
                        () -> network.partitions().oneWay(network.host(pair.get(0)), network.host(pair.get(1))));
            }
            case 4 -> {
                List<Host> ring = new ArrayList<>(network.hosts());
                Collections.shuffle(ring, random);
                yield new Partition("partition majority ring", names(ring),
                        () -> network.partitions().majorityRing(ring));
            }
            default -> {
                List<Host> hosts = new ArrayList<>(network.hosts());
                Collections.shuffle(hosts, random);
                List<Host> half = hosts.subList(0, hosts.size() / 2);
                List<Host> rest = hosts.subList(hosts.size() / 2, hosts.size());
                yield new Partition("partition halves", names(half) + "|" + names(rest),
                        () -> network.partitions().split(half, rest));
            }
        };
    }

    /** Every cut removed. */
    void heal() {
        network.partitions().heal();
    }

    private List<Host> postgres() {
        return topology.nodes().stream().filter(n -> n.kind() == Kind.POSTGRES).map(n -> network.host(n.name())).toList();
    }

    private Host host(AppInstance app) {
        return network.host(app.name());
    }

    /** The node's ROLE reply, or "" while it does not answer. */
    private String roleOf(Node node) {
        try {
            return topology.redis(node, "ROLE");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static String names(List<Host> hosts) {
        return String.join(",", hosts.stream().map(Host::node).toList());
    }

    private static boolean waitUntil(Duration atMost, BooleanSupplier done) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (done.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // a node that does not answer yet: ask again
            }
            Nemesis.sleep(Duration.ofMillis(200));
        }
        return false;
    }
}
