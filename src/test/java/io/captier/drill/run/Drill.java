package io.captier.drill.run;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Mode;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A chaos drill on the real topology: two instances per profile, concurrent clients on a
 * small key space per profile, the {@link Nemesis} cycling through node kills, then heal,
 * reconciliation, and each key's final state read from PostgreSQL. The result is a
 * {@link History} for the checkers; nothing is judged here.
 */
public final class Drill {

    /** Mixed into the drill's seed for the partitions, so that they draw apart from the clients. */
    private static final long PARTITION_SEED = 0x5DEECE66DL;
    /** Mixed into the drill's seed for the instances' clocks. */
    private static final long CLOCK_SEED = 0x2545F4914F6CDD1DL;

    private final Stack stack;
    private final Map<String, String> settings;
    private final Consumer<String> narrator;
    private Path logsDir;

    /**
     * @param settings extra environment for the drill's instances (e.g. a test-only break switch)
     * @param narrator told about each phase and fault, for people watching
     */
    public Drill(Stack stack, Map<String, String> settings, Consumer<String> narrator) {
        this.stack = stack;
        this.settings = settings;
        this.narrator = narrator;
    }

    /** What the nemesis does: under traffic, then after the clients stopped (default: nothing). */
    public interface Scenario {
        void underTraffic(Nemesis nemesis);

        default void afterTraffic(Nemesis nemesis) {
        }
    }

    /** The drill of {@link DrillPlan#cycles()} fault cycles. */
    public static Scenario cycles(DrillPlan plan, Consumer<String> narrator) {
        return nemesis -> {
            for (int n = 0; n < plan.cycles(); n++) {
                narrator.accept("cycle " + (n + 1) + " of " + plan.cycles());
                nemesis.cycle(n);
            }
        };
    }

    /**
     * Runs {@code scenario} against two new instances per profile, named {@code prefix-cp-1}
     * and so on, on keys {@code prefix-consistent-k0}, {@code prefix-available-k0}, ...
     */
    public History run(String prefix, DrillPlan plan, Scenario scenario) {
        DrillClocks clocks = new DrillClocks(plan.seed() ^ CLOCK_SEED);
        // Disks of their own need root, as the network does: only where there is one.
        DrillDisks disks = stack.topology.network().isPresent() ? new DrillDisks() : null;
        List<AppInstance> started = new ArrayList<>();
        boolean keepRunning = false;
        try {
            return run(prefix, plan, scenario, clocks, disks, started);
        } catch (Unreconciled stuck) {
            keepRunning = true; // the instances run on for the report: so do their clocks and disks
            throw stuck;
        } catch (RuntimeException | Error failed) {
            if (logsDir != null) {
                keepLogs(started, logsDir); // they go with the instances' temp dirs
            }
            throw failed;
        } finally {
            if (!keepRunning) {
                started.forEach(AppInstance::close); // their work is done; the machine has two cores
                clocks.close();
                if (disks != null) {
                    disks.close(); // after the instances: a hint log held open keeps its disk mounted
                }
            }
        }
    }

    private History run(String prefix, DrillPlan plan, Scenario scenario, DrillClocks clocks, DrillDisks disks,
                        List<AppInstance> started) {
        List<AppInstance> consistent = List.of(start(prefix + "-cp-1", Mode.CONSISTENT, clocks, disks, started),
                start(prefix + "-cp-2", Mode.CONSISTENT, clocks, disks, started));
        List<AppInstance> available = List.of(start(prefix + "-ap-1", Mode.AVAILABLE, clocks, disks, started),
                start(prefix + "-ap-2", Mode.AVAILABLE, clocks, disks, started));
        narrator.accept("clocks (ms ahead of the machine's): " + clocks.describe());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ids = new AtomicLong();
        ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
        Set<String> outOfService = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        threads.addAll(clients(prefix, Mode.CONSISTENT, consistent, plan, ids, stop, ops, outOfService));
        threads.addAll(clients(prefix, Mode.AVAILABLE, available, plan, ids, stop, ops, outOfService));
        PartitionNemesis partitions = stack.topology.network().map(n -> new PartitionNemesis(stack.topology, n,
                consistent, available, plan.seed() ^ PARTITION_SEED, narrator)).orElse(null);
        Nemesis nemesis = new Nemesis(stack.topology, consistent, available, outOfService, partitions, clocks,
                disks, narrator);
        narrator.accept("traffic on " + threads.size() + " clients; seed " + plan.seed()
                + (partitions == null ? "; no partitions (loopback topology)" : "; with partitions"));
        threads.forEach(Thread::start);
        try {
            Nemesis.sleep(Duration.ofSeconds(2));
            scenario.underTraffic(nemesis);
            nemesis.awaitRestarts(); // under traffic still: an instance's start is part of the drill
        } finally {
            nemesis.healPartitions(); // a fault that failed half-way leaves no cut behind
            stop.set(true);
            threads.forEach(Drill::join);
        }
        scenario.afterTraffic(nemesis);
        narrator.accept("healed; waiting for reconciliation");
        List<AppInstance> all = new ArrayList<>(consistent);
        all.addAll(available);
        String stuck = awaitReconciled(all, available);
        List<Op> sorted = ops.stream().sorted(Comparator.comparingLong(Op::invokeNanos)).toList();
        History history = new History(sorted, nemesis.events(), nemesis.downtimes(), Map.of())
                .withFinalStates(finalStates(prefix, sorted));
        if (logsDir != null) {
            keepLogs(all, logsDir);
        }
        if (stuck != null) {
            throw new Unreconciled(history, stuck);
        }
        return history;
    }

    /**
     * Buffered writes that did not reach PostgreSQL after the heal. The history (final states
     * as they stand) is kept for a report, and the instances' logs are still there to copy
     * (they go with the topology's temp dir).
     *
     * @param stuck which instance's buffer holds how many writes, and its log's tail
     */
    public static final class Unreconciled extends RuntimeException {
        public final transient History history;

        Unreconciled(History history, String stuck) {
            super("buffered writes not reconciled within 90 s of the heal:\n" + stuck);
            this.history = history;
        }
    }

    /**
     * Copies the instances' logs into {@code dir} at the end of each run (they live in the
     * instances' temp dirs, which go when the instances close).
     *
     * @return this drill
     */
    public Drill keepingLogsIn(Path dir) {
        this.logsDir = dir;
        return this;
    }

    private void keepLogs(List<AppInstance> instances, Path dir) {
        try {
            Files.createDirectories(dir);
            for (AppInstance app : instances) {
                if (Files.exists(app.log())) {
                    Files.copy(app.log(), dir.resolve(app.log().getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            narrator.accept("could not keep the instances' logs: " + e.getMessage());
        }
    }

    /** Where the available profile's keys written only once start (see {@link DrillClient}). */
    static String onceKeyPrefix(String prefix) {
        return prefix + "-" + Mode.AVAILABLE.wireName() + "-once-";
    }

    /** The key space of one profile: small, so that keys collide. */
    static List<String> keys(String prefix, Mode mode, DrillPlan plan) {
        return IntStream.range(0, plan.keysPerProfile()).mapToObj(i -> prefix + "-" + mode.wireName() + "-k" + i).toList();
    }

    /** An instance with the drill's settings, on a clock of its own; an available one's hint log on a disk of its own. */
    private AppInstance start(String name, Mode mode, DrillClocks clocks, DrillDisks disks, List<AppInstance> started) {
        Map<String, String> env = new HashMap<>(settings);
        env.putAll(clocks.envFor(name));
        if (disks != null && mode == Mode.AVAILABLE) {
            env.putAll(disks.envFor(name));
        }
        AppInstance app = stack.instance(name, mode.wireName(), env);
        started.add(app);
        return app;
    }

    private static List<Thread> clients(String prefix, Mode mode, List<AppInstance> instances, DrillPlan plan,
                                        AtomicLong ids, AtomicBoolean stop, ConcurrentLinkedQueue<Op> ops,
                                        Set<String> outOfService) {
        List<DrillClient.Instance> targets = instances.stream()
                .map(app -> new DrillClient.Instance(app.name(), new Client(app.baseUrl()), outOfService)).toList();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < plan.clientsPerProfile(); i++) {
            String name = prefix + "-" + (mode == Mode.CONSISTENT ? "cp" : "ap") + "-client-" + i;
            DrillClient client = new DrillClient(name, mode, targets, keys(prefix, mode, plan),
                    mode == Mode.AVAILABLE ? onceKeyPrefix(prefix) : null,
                    i < plan.sessionClientsPerProfile(),
                    plan, plan.seed() + 31L * i + mode.ordinal(), ids, stop, ops);
            Thread t = new Thread(client, "drill-" + name);
            t.setDaemon(true);
            threads.add(t);
        }
        return threads;
    }

    /**
     * Every node up, every instance ready, and no buffered write left anywhere.
     *
     * @return null when reconciled; else, per available instance still holding buffered
     *         writes, how many in which buffer and the tail of its log
     */
    private String awaitReconciled(List<AppInstance> all, List<AppInstance> available) {
        Topology t = stack.topology;
        all.forEach(Stack::awaitReady);
        try {
            Awaitility.await("every buffered write reconciled").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> available.stream().allMatch(app -> pending(app).equals("redis 0, local 0")));
        } catch (org.awaitility.core.ConditionTimeoutException timeout) {
            StringBuilder stuck = new StringBuilder();
            for (AppInstance app : available) {
                String pending = pending(app);
                if (!pending.equals("redis 0, local 0")) {
                    String threads = app.threadDump();
                    keepThreadDump(app, threads);
                    stuck.append(app.name()).append(": ").append(pending).append("; its background threads:\n")
                            .append(backgroundStacks(threads)).append("its log ends:\n")
                            .append(app.logTail(40)).append('\n');
                }
            }
            narrator.accept("NOT reconciled; topology now:\n" + t.describe() + "\n" + stuck);
            return stuck.toString();
        }
        narrator.accept("reconciled; topology now:\n" + t.describe());
        return null;
    }

    /** The names of captier's background threads (Background.scheduler), whose stacks say why nothing moves. */
    private static final List<String> BACKGROUND_THREADS = List.of("\"heartbeat\"", "\"reconciler\"", "\"pg-probe\"",
            "\"redis-topology\"", "\"projection-resync\"");

    /**
     * From a thread dump ({@code jcmd Thread.print}), each background thread's header, state and
     * frames down to the first of captier's own (at most 20 lines): whether the reconciliation and
     * the heartbeats are stuck, and where.
     */
    static String backgroundStacks(String dump) {
        StringBuilder out = new StringBuilder();
        for (String block : dump.split("\n\\s*\n")) {
            String b = block.strip();
            if (BACKGROUND_THREADS.stream().anyMatch(b::startsWith)) {
                List<String> lines = b.lines().limit(20).toList();
                int upTo = lines.size();
                for (int i = 2; i < lines.size(); i++) {
                    if (lines.get(i).contains("io.captier.")) {
                        upTo = i + 1;
                        break;
                    }
                }
                lines.subList(0, upTo).forEach(line -> out.append("  ").append(line.strip()).append('\n'));
            }
        }
        return out.length() == 0 ? "  (none found: " + dump.lines().findFirst().orElse("empty dump") + ")\n" : out.toString();
    }

    private void keepThreadDump(AppInstance app, String threads) {
        if (logsDir == null) {
            return;
        }
        try {
            Files.createDirectories(logsDir);
            Files.writeString(logsDir.resolve(app.name() + "-threads.txt"), threads);
        } catch (IOException e) {
            narrator.accept("could not keep " + app.name() + "'s thread dump: " + e.getMessage());
        }
    }

    /** An available instance's buffered writes, as its metrics say. */
    private static String pending(AppInstance app) {
        Client c = new Client(app.baseUrl());
        try {
            return "redis " + c.metric("ap_pending_writes{buffer=\"redis\"}")
                    + ", local " + c.metric("ap_pending_writes{buffer=\"local\"}");
        } catch (RuntimeException unanswered) {
            return "metrics unanswered (" + unanswered.getMessage() + ")";
        }
    }

    /**
     * Each key the drill's operations touched, as the PostgreSQL primary holds it, read
     * directly as the superuser in one query; a key without a row is absent.
     */
    private List<FinalState> finalStates(String prefix, List<Op> ops) {
        Topology t = stack.topology;
        Map<String, FinalState> rows = new HashMap<>();
        // prefix is the drill's own name ([a-z]+): safe inside the literal.
        for (List<String> row : t.sql(t.pgPrimary(), "SELECT key, 'x' || coalesce(convert_from(value, 'UTF8'), ''), "
                + "version, origin, deleted FROM kv WHERE key LIKE '" + prefix + "-%'")) {
            String key = row.get(0);
            long version = Long.parseLong(row.get(2));
            rows.put(key, "t".equals(row.get(4)) ? FinalState.tombstone(key, version, row.get(3))
                    : FinalState.of(key, row.get(1).substring(1), version, row.get(3)));
        }
        return ops.stream().map(Op::key).distinct().sorted()
                .map(key -> rows.getOrDefault(key, FinalState.absent(key))).toList();
    }

    private static void join(Thread t) {
        try {
            t.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
