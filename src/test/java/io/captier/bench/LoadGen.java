package io.captier.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A closed-loop load generator for the phases that need each request's status and time (the
 * failovers) or a set amount of work (the preload, a start-up's warm-up): {@code concurrency}
 * threads, each sending its next request as soon as the previous one answered, for a fixed
 * time. Throughput and latency come from wrk ({@link Wrk}), not from here: on two shared
 * cores a Java generator measures mostly itself. An operation returns the HTTP status (or -1
 * for an exception).
 */
public final class LoadGen {

    /** One request: given the worker's sequence number, send it and return the status. */
    public interface Op {
        int call(long seq) throws Exception;
    }

    /** Called after every request with its start and completion time (nanoTime) and status: failover phases use it. */
    public interface Listener {
        void completed(long startNanos, long endNanos, int status);
    }

    public record Result(String name, int concurrency, long requests, long ok, Map<Integer, Long> statuses) {

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

    /** Runs until {@code seconds} have passed or every worker stopped (an op throwing InterruptedException stops its worker). */
    public static Result run(String name, int concurrency, double seconds, IntFunction<Op> perWorker, Listener listener) {
        Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        AtomicLong requests = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            Op op = perWorker.apply(w);
            threads.add(new Thread(() -> {
                Map<Integer, Long> mine = new TreeMap<>();
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
                    mine.merge(status, 1L, Long::sum);
                    if (listener != null) {
                        listener.completed(t0, t1, status);
                    }
                }
                mine.forEach((status, n) -> {
                    statuses.merge(status, n, Long::sum);
                    requests.addAndGet(n);
                    if (ok(status)) {
                        ok.addAndGet(n);
                    }
                });
            }, "load-" + name + "-" + w));
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
        return new Result(name, concurrency, requests.get(), ok.get(), new TreeMap<>(statuses));
    }
}
