package io.captier.bench;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.topology.Topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A store failover under load (half reads, half writes, closed loop): how many requests failed and,
 * for the consistent profile, how long it refused, next to how long the store's own failover took.
 */
final class Failover {

    private static final double BEFORE_SECONDS = 3;
    private static final double TOTAL_SECONDS = 20;

    private final Topology topology;
    private final int concurrency;

    Failover(Topology topology, int concurrency) {
        this.topology = topology;
        this.concurrency = concurrency;
    }

    /** kill -9 the Redis master under available load; Sentinel failover time = until the quorum names another master. */
    Map<String, Object> redisMaster(AppInstance ap) throws Exception {
        Window window = new Window();
        AtomicReference<LoadGen.Result> load = startLoad(ap, window);
        Thread.sleep((long) (BEFORE_SECONDS * 1000));
        Topology.Node old = topology.redisMaster();
        long killed = System.nanoTime();
        window.fault = killed;
        topology.kill(old);
        Topology.Node now = old;
        while (now.equals(old) && System.nanoTime() - killed < 60_000_000_000L) {
            Thread.sleep(50);
            try {
                now = topology.redisMaster();
            } catch (RuntimeException sentinelsBusy) {
                // asked again in 50 ms
            }
        }
        long failoverMs = (System.nanoTime() - killed) / 1_000_000;
        window.thread.join();
        LoadGen.Result r = load.get();
        topology.restart(old);
        Map<String, Object> m = window.describe(r);
        m.put("killed", old.name());
        m.put("new_master", now.name());
        m.put("sentinel_failover_ms", failoverMs);
        return m;
    }

    /** kill -9 the PostgreSQL primary under consistent load and promote the standby at once. */
    Map<String, Object> postgresPrimary(AppInstance cp) throws Exception {
        Window window = new Window();
        AtomicReference<LoadGen.Result> load = startLoad(cp, window);
        Thread.sleep((long) (BEFORE_SECONDS * 1000));
        Topology.Node old = topology.pgPrimary();
        Topology.Node standby = topology.pgStandby();
        long killed = System.nanoTime();
        window.fault = killed;
        topology.kill(old);
        long promoteStart = System.nanoTime();
        topology.promote(standby);
        long promoteMs = (System.nanoTime() - promoteStart) / 1_000_000;
        window.thread.join();
        LoadGen.Result r = load.get();
        Map<String, Object> m = window.describe(r);
        m.put("killed", old.name());
        m.put("promoted", standby.name());
        m.put("promote_ms", promoteMs);
        return m;
    }

    private AtomicReference<LoadGen.Result> startLoad(AppInstance app, Window window) {
        AtomicReference<LoadGen.Result> result = new AtomicReference<>();
        Thread t = new Thread(() -> result.set(LoadGen.run("failover-" + app.mode(), concurrency, TOTAL_SECONDS,
                w -> Benchmark.mixed(app), window)), "failover-load");
        t.start();
        window.thread = t;
        return result;
    }

    /** Failed answers after the fault: the first and last one's completion times. */
    static final class Window implements LoadGen.Listener {
        volatile long fault = Long.MAX_VALUE;
        volatile Thread thread;
        final AtomicLong failures = new AtomicLong();
        final AtomicLong firstFailure = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong lastFailure = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong lastFailureStart = new AtomicLong(Long.MIN_VALUE);
        final Map<Integer, AtomicLong> failedStatuses = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void completed(long startNanos, long endNanos, int status) {
            if (LoadGen.ok(status)) {
                return;
            }
            failures.incrementAndGet();
            failedStatuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            firstFailure.accumulateAndGet(endNanos, Math::min);
            lastFailure.accumulateAndGet(endNanos, Math::max);
            lastFailureStart.accumulateAndGet(startNanos, Math::max);
        }

        Map<String, Object> describe(LoadGen.Result r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("load_seconds", TOTAL_SECONDS);
            m.put("fault_at_seconds", BEFORE_SECONDS);
            m.put("concurrency", r.concurrency());
            m.put("mix", "half reads, half writes");
            m.put("requests", r.requests());
            m.put("statuses", r.statuses());
            m.put("failed_requests", failures.get());
            Map<String, Long> statuses = new LinkedHashMap<>();
            failedStatuses.forEach((k, v) -> statuses.put(k == -1 ? "no answer" : Integer.toString(k), v.get()));
            m.put("failed_statuses", statuses);
            if (failures.get() > 0) {
                m.put("first_failure_after_fault_ms", (firstFailure.get() - fault) / 1_000_000);
                m.put("last_failure_after_fault_ms", (lastFailure.get() - fault) / 1_000_000);
                // The window of refusals: from the fault to the last refused request's start (a request
                // started after that point was served).
                m.put("unavailable_window_ms", Math.max(0, (lastFailureStart.get() - fault) / 1_000_000));
            } else {
                m.put("unavailable_window_ms", 0);
            }
            return m;
        }
    }
}
