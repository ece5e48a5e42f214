package io.captier.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A closed-loop load generator: {@code concurrency} threads, each sending its next request as soon
 * as the previous one answered, for a fixed time. Every latency is kept (a long per request: a few
 * seconds of load on this machine is well under a million), sorted once at the end for exact
 * percentiles. An operation returns the HTTP status (or -1 for an exception).
 */
public final class LoadGen {

    /** One request: given the worker's sequence number, send it and return the status. */
    public interface Op {
        int call(long seq) throws Exception;
    }

    /** Called after every request with its completion time (nanoTime) and status: failover phases use it. */
    public interface Listener {
        void completed(long startNanos, long endNanos, int status);
    }

    public record Result(String name, int concurrency, double seconds, long requests, long ok, Map<Integer, Long> statuses,
                         double throughput, double p50Ms, double p99Ms, double maxMs) {

        long failed() {
            return requests - ok;
        }
    }

    private LoadGen() {
    }

    /** Success = 2xx or 404 (a read of a key not there is a correct answer). */
    static boolean ok(int status) {
        return (status >= 200 && status < 300) || status == 404;
    }

    public static Result run(String name, int concurrency, double warmupSeconds, double seconds,
                             IntFunction<Op> perWorker, Listener listener) {
        if (warmupSeconds > 0) {
            run(name + " (warm-up)", concurrency, 0, warmupSeconds, perWorker, null);
        }
        Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        AtomicLong ok = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        int[] counts = new int[concurrency];
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            long[][] own = {new long[1 << 16]};
            latencies.add(null);
            Op op = perWorker.apply(w);
            Thread t = new Thread(() -> {
                int n = 0;
                Map<Integer, Long> mine = new TreeMap<>();
                long okHere = 0;
                for (long seq = 0; System.nanoTime() < end; seq++) {
                    long t0 = System.nanoTime();
                    int status;
                    try {
                        status = op.call(seq);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    } catch (Exception e) {
                        status = -1;
                    }
                    long t1 = System.nanoTime();
                    if (n == own[0].length) {
                        own[0] = Arrays.copyOf(own[0], n * 2);
                    }
                    own[0][n++] = t1 - t0;
                    mine.merge(status, 1L, Long::sum);
                    if (ok(status)) {
                        okHere++;
                    }
                    if (listener != null) {
                        listener.completed(t0, t1, status);
                    }
                }
                counts[worker] = n;
                synchronized (latencies) {
                    latencies.set(worker, own[0]);
                }
                mine.forEach((k, v) -> statuses.merge(k, v, Long::sum));
                ok.addAndGet(okHere);
            }, "load-" + name + "-" + w);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int w = 0; w < concurrency; w++) {
            System.arraycopy(latencies.get(w), 0, all, at, counts[w]);
            at += counts[w];
        }
        Arrays.sort(all);
        return new Result(name, concurrency, elapsed, total, ok.get(), new TreeMap<>(statuses), ok.get() / elapsed,
                percentile(all, 50), percentile(all, 99), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }
}
