package io.captier.drill.run;

import io.captier.cluster.app.AppEnv;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.Topology.Node;
import io.captier.drill.history.Downtime;
import io.captier.drill.history.NemesisEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The faults of a drill, one cycle after another. Each cycle kills five nodes, pauses one
 * and kills or pauses the PostgreSQL standby: kill -9 the PostgreSQL primary, promote the
 * standby, re-clone the old primary; kill -9 the Redis master (Sentinel fails over), restart
 * it; SIGSTOP the node that holds a role for longer than the network timeout, SIGCONT; kill -9
 * a Redis replica, restart it; kill -9 or SIGSTOP the PostgreSQL standby (the primary's
 * synchronous commits wait on it), in turn; kill -9 one sentinel of three (a minority: the
 * others still agree), restart it; kill -9 an instance, available and consistent in turn,
 * and start it again (an available one's hint log replays) while the next cycle's faults go
 * on: a restart overlaps the next kills, and is waited for only before the same instance is
 * killed again and at the end ({@link #awaitRestarts}); and steps one instance's wall clock,
 * each in turn ({@link DrillClocks}).
 *
 * <p>On a topology in network namespaces ({@link PartitionNemesis}) each cycle also splits the
 * Redis master's side from the sentinels, takes the cut-off instance's hint log disk away
 * meanwhile ({@link DrillDisks}), and kills a sentinel while a partition drawn at random
 * holds: faults overlap.
 */
final class Nemesis {

    /** The fault kind of a clock step in the history ({@link #stepAClock}). */
    static final String CLOCK_STEP = "clock step";

    /** How long a disk fault holds: long enough for a few dozen writes to need the hint log. */
    private static final Duration DISK_HOLD = Duration.ofSeconds(4);

    private final Topology topology;
    private final List<AppInstance> availableInstances;
    private final List<AppInstance> consistentInstances;
    private final Duration pause;
    private final Consumer<String> narrator;
    /** Appended to by the nemesis and by restarts that run beside it. */
    private final List<NemesisEvent> events = Collections.synchronizedList(new ArrayList<>());
    private final List<Downtime> downtimes = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> outOfService;
    /** Null on the loopback topology: no partitions there. */
    private final PartitionNemesis partitions;
    private final DrillClocks clocks;
    /** Null on the loopback topology: no disks of their own there. */
    private final DrillDisks disks;
    /** Instance name to its start after a kill, running on a thread of its own. */
    private final Map<String, FutureTask<Void>> restarts = new HashMap<>();
    private final AtomicInteger kills = new AtomicInteger();

    /**
     * @param partitions the partitions of the drill, or null where the topology cannot partition
     * @param clocks     the instances' clocks, one stepped per cycle
     * @param disks      the available instances' hint log disks, or null where there are none
     */
    Nemesis(Topology topology, List<AppInstance> consistentInstances, List<AppInstance> availableInstances,
            Set<String> outOfService, PartitionNemesis partitions, DrillClocks clocks, DrillDisks disks,
            Consumer<String> narrator) {
        this.outOfService = outOfService;
        this.partitions = partitions;
        this.clocks = clocks;
        this.disks = disks;
        this.topology = topology;
        this.availableInstances = availableInstances;
        this.consistentInstances = consistentInstances;
        // Longer than the network timeout, so calls to the paused node time out.
        this.pause = Duration.ofSeconds(AppEnv.NETWORK_TIMEOUT_SEC).plusMillis(1500);
        this.narrator = narrator;
    }

    void cycle(int n) {
        killThePostgresPrimary();
        settle();
        killTheRedisMaster();
        settle();
        pauseANode(n);
        settle();
        killARedisReplica();
        settle();
        killOrPauseThePostgresStandby(n);
        settle();
        stepAClock(n);
        if (partitions == null) {
            killASentinel(n);
        } else {
            splitTheRedisMasterSide(n);
            settle();
            killASentinelDuringAPartition(n);
        }
        settle();
        killAnInstance(n);
        settle();
    }

    /** The faults so far, in the order they started. */
    List<NemesisEvent> events() {
        synchronized (events) {
            return events.stream().sorted(Comparator.comparingLong(NemesisEvent::startMs)).toList();
        }
    }

    List<Downtime> downtimes() {
        synchronized (downtimes) {
            return List.copyOf(downtimes);
        }
    }

    int kills() {
        return kills.get();
    }

    /** Waits until every killed instance is ready again (each restart has 90 s). */
    void awaitRestarts() {
        List<FutureTask<Void>> pending;
        synchronized (restarts) {
            pending = List.copyOf(restarts.values());
            restarts.clear();
        }
        pending.forEach(Nemesis::join);
    }

    private void killThePostgresPrimary() {
        Node primary = topology.pgPrimary();
        Node standby = topology.pgStandby();
        fault("kill pg-primary", primary.name(), () -> {
            kill(primary);
            sleep(Duration.ofSeconds(3));
            failOverTo(standby, primary);
        });
    }

    /** kill -9 the PostgreSQL primary and leave it dead for {@code down}; returns it. */
    Node killThePostgresPrimaryFor(Duration down) {
        Node primary = topology.pgPrimary();
        fault("kill pg-primary", primary.name(), () -> {
            kill(primary);
            sleep(down);
        });
        return primary;
    }

    /** Promote the standby, then re-clone the dead old primary as the new standby. */
    void failOverTo(Node standby, Node oldPrimary) {
        fault("promote pg-standby", standby.name(), () -> {
            topology.promote(standby);
            sleep(Duration.ofSeconds(2));
            topology.recloneAsStandby(oldPrimary);
        });
    }

    /** The standby stops replaying WAL for {@code lag}: it still answers, with old data. */
    void pauseStandbyReplay(Duration lag) {
        Node standby = topology.pgStandby();
        fault("pause standby replay", standby.name(), () -> {
            topology.sql(standby, "SELECT pg_wal_replay_pause()");
            try {
                sleep(lag);
            } finally {
                topology.sql(standby, "SELECT pg_wal_replay_resume()");
            }
        });
    }

    private void killTheRedisMaster() {
        Node master = topology.redisMaster();
        fault("kill redis-master", master.name(), () -> {
            kill(master);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (master.equals(topology.redisMaster()) && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(200));
            }
            topology.restart(master);
        });
    }

    /** Alternates between the PostgreSQL primary and the Redis master. */
    private void pauseANode(int n) {
        Node node = n % 2 == 0 ? topology.pgPrimary() : topology.redisMaster();
        fault("pause " + (n % 2 == 0 ? "pg-primary" : "redis-master"), node.name(), () -> {
            topology.pause(node);
            try {
                sleep(pause);
            } finally {
                topology.resume(node);
            }
        });
    }

    private void killARedisReplica() {
        Node replica = topology.redisReplicas().get(0);
        fault("kill redis-replica", replica.name(), () -> {
            kill(replica);
            sleep(Duration.ofSeconds(2));
            topology.restart(replica);
        });
    }

    /**
     * kill -9 the PostgreSQL standby and restart it (even cycles), or SIGSTOP it for longer than
     * the network timeout (odd ones): the primary's synchronous commits wait, its reads do not.
     */
    private void killOrPauseThePostgresStandby(int n) {
        Node standby = topology.pgStandby();
        if (standby == null) {
            narrator.accept("no PostgreSQL standby answers: its fault is skipped this cycle");
            return;
        }
        if (n % 2 == 0) {
            fault("kill pg-standby", standby.name(), () -> {
                kill(standby);
                sleep(Duration.ofSeconds(2));
                topology.restart(standby);
            });
        } else {
            fault("pause pg-standby", standby.name(), () -> {
                topology.pause(standby);
                try {
                    sleep(pause);
                } finally {
                    topology.resume(standby);
                }
            });
        }
    }

    /**
     * One instance's clock stepped ({@link DrillClocks#step}), each in turn; the fault lasts
     * the second libfaketime may take to read the new offset.
     */
    private void stepAClock(int n) {
        DrillClocks.Step step = clocks.step(n);
        fault(CLOCK_STEP, step.instance(), () -> {
            narrator.accept("clock " + step);
            sleep(Duration.ofMillis(1100));
        });
    }

    /** One of the three sentinels, a different one each cycle. */
    private void killASentinel(int n) {
        Node sentinel = sentinel(n);
        fault("kill sentinel", sentinel.name(), () -> {
            kill(sentinel);
            sleep(Duration.ofSeconds(1));
            topology.restart(sentinel);
        });
    }

    /**
     * An available instance in service, with the Redis master, cut off: the one an even cycle
     * kills at its end ({@link #killAnInstance(int)}), so that it dies with buffered writes.
     */
    private void splitTheRedisMasterSide(int n) {
        AppInstance app = availableInstances.get((n / 2) % availableInstances.size());
        if (outOfService.contains(app.name())) {
            app = availableInstances.get((n / 2 + 1) % availableInstances.size());
        }
        AppInstance instance = app;
        fault("partition redis-master side", topology.redisMaster().name() + "," + instance.name(),
                () -> partitions.splitTheRedisMasterSide(instance, () -> takeAwayADisk(n, instance)));
    }

    /**
     * While {@code app} can keep writes only in its hint log (cut off from PostgreSQL and the
     * Redis replicas): a second to buffer some there, then its disk full (even cycles) or its
     * log read-only (odd ones) for {@link #DISK_HOLD} ({@link DrillDisks}).
     */
    private void takeAwayADisk(int n, AppInstance app) {
        if (disks == null || !disks.has(app.name())) {
            return;
        }
        sleep(Duration.ofSeconds(1));
        String kind = disks.faultFor(app.name(), n % 2 == 1);
        fault(kind, app.name(), () -> disks.takeAway(app.name(), kind, DISK_HOLD));
    }

    /**
     * A partition drawn at random, and a sentinel killed and restarted while it holds: not one
     * the partition isolates, whose restart the harness could not see answer.
     */
    private void killASentinelDuringAPartition(int n) {
        PartitionNemesis.Partition partition = partitions.random();
        fault(partition.kind(), partition.target(), () -> {
            try {
                partition.cut().run();
                killASentinel(partition.target().equals(sentinel(n).name()) ? n + 1 : n);
                sleep(PartitionNemesis.HOLD);
            } finally {
                partitions.heal();
            }
        });
    }

    /** Every cut removed; nothing without partitions. */
    void healPartitions() {
        if (partitions != null) {
            partitions.heal();
        }
    }

    /** The {@code n}th sentinel, counting round the three. */
    private Node sentinel(int n) {
        List<Node> sentinels = topology.nodes().stream().filter(node -> node.kind() == Topology.Kind.SENTINEL).toList();
        return sentinels.get(n % sentinels.size());
    }

    /** An available instance in even cycles, a consistent one in odd cycles, each in turn. */
    private void killAnInstance(int n) {
        List<AppInstance> instances = n % 2 == 0 ? availableInstances : consistentInstances;
        killAnInstance(instances.get((n / 2) % instances.size()));
    }

    /**
     * kill -9, and a thread that starts it again and records its downtime and the fault's end
     * when it is ready; the nemesis goes on meanwhile.
     */
    private void killAnInstance(AppInstance app) {
        FutureTask<Void> previous;
        synchronized (restarts) {
            previous = restarts.remove(app.name());
        }
        if (previous != null) {
            join(previous);
        }
        narrator.accept("kill instance (" + app.name() + ")");
        long from = System.currentTimeMillis();
        outOfService.add(app.name());
        app.kill();
        kills.incrementAndGet();
        FutureTask<Void> restart = new FutureTask<>(() -> {
            try {
                sleep(Duration.ofSeconds(1));
                app.restart();
                Stack.awaitReady(app);
                downtimes.add(new Downtime(app.name(), from, System.currentTimeMillis()));
                outOfService.remove(app.name());
            } finally {
                events.add(new NemesisEvent(from, System.currentTimeMillis(), "kill instance", app.name()));
            }
            return null;
        });
        new Thread(restart, "restart-" + app.name()).start();
        synchronized (restarts) {
            restarts.put(app.name(), restart);
        }
    }

    /** @throws IllegalStateException the restart failed, or took more than 90 s */
    private static void join(FutureTask<Void> restart) {
        try {
            restart.get(90, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("an instance killed by the nemesis did not start again", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("an instance killed by the nemesis is not ready 90 s later", e);
        }
    }

    private void kill(Node node) {
        topology.kill(node);
        kills.incrementAndGet();
    }

    private void fault(String kind, String target, Runnable action) {
        narrator.accept(kind + " (" + target + ")");
        long start = System.currentTimeMillis();
        try {
            action.run();
        } finally {
            events.add(new NemesisEvent(start, System.currentTimeMillis(), kind, target));
        }
    }

    /** Traffic runs on a healed topology for a moment between faults. */
    private static void settle() {
        sleep(Duration.ofSeconds(1));
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
