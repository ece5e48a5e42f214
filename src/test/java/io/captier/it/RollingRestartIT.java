package io.captier.it;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.devstack.NginxServer;
import io.captier.cluster.devstack.RollingRestart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart of every instance of both profiles under load through NGINX (issue 15): two
 * instances per profile behind the real nginx/ config, paced clients reading and writing (each
 * write with an Idempotency-Key) through NGINX on both profiles while {@link RollingRestart}
 * restarts consistent-1, consistent-2, available-1, available-2 in turn.
 *
 * <p>Zero failed requests: every answer is 200/202 (a read may be 404: its key not written yet).
 * What a client may retry, and does here: a request that met a connection error between it and
 * NGINX (no HTTP answer at all, e.g. a keep-alive connection an old NGINX worker closed at a
 * reload), with the same Idempotency-Key for a write, as docs/architecture.md A8 allows. An HTTP error is never
 * retried: a 502 or 503 is a failed request. Zero lost writes: every acknowledged write is on the
 * PostgreSQL primary afterwards at its version or a newer one.
 *
 * <p>{@code -Drolling.counterexample=no-drain} (instances left in the pool while they stop) or
 * {@code =kill} (no pool change, kill -9) runs the same story with the restart done wrong: the test
 * must then fail. The load stays under NGINX's rate limit (100/s per address, all clients here
 * are 127.0.0.1): four paced threads, about 60 requests/s together.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollingRestartIT {

    private static final List<String> NAMES = List.of("consistent-1", "consistent-2", "available-1", "available-2");
    private static final int KEYS = 40;
    private static final long PACE_MS = 60;

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    Stack stack;
    NginxServer nginx;
    final List<AppInstance> apps = new ArrayList<>();

    @BeforeAll
    void start() {
        stack = Stack.start();
        for (String name : NAMES) {
            // A short delay: long enough to show readiness going DOWN, short enough for the test.
            apps.add(stack.instance(name, name.substring(0, name.indexOf('-')), Map.of("SHUTDOWN_DELAY", "1s")));
        }
        Map<String, List<String>> pools = new LinkedHashMap<>();
        for (AppInstance app : apps) {
            pools.computeIfAbsent(app.mode(), m -> new ArrayList<>()).add(RollingRestart.address(app));
        }
        nginx = NginxServer.start(pools);
        stack.register(logs);
        logs.add("nginx", () -> nginx.logTail(40));
    }

    @AfterAll
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyInstanceRestartsUnderLoadWithoutAFailedRequestOrALostAcknowledgedWrite() throws Exception {
        Map<String, Client> clients = Map.of("consistent", new Client(nginx.url("consistent"), nginx.tls()),
                "available", new Client(nginx.url("available"), nginx.tls()));
        Load load = new Load();
        List<Thread> threads = new ArrayList<>();
        clients.forEach((profile, client) -> {
            threads.add(new Thread(() -> load.write(profile, client), "writer-" + profile));
            threads.add(new Thread(() -> load.read(profile, client), "reader-" + profile));
        });
        threads.forEach(Thread::start);
        long started = System.nanoTime();
        List<RollingRestart.Step> steps;
        try {
            Thread.sleep(1_000); // load before the first restart
            steps = new RollingRestart(nginx, line -> System.out.println("rolling-restart: " + line), options()).run(apps);
            Thread.sleep(1_000); // and after the last one
        } finally {
            load.running.set(false);
            for (Thread t : threads) {
                t.join(20_000);
            }
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000;

        System.out.printf("RollingRestartIT: %d requests in %d s (%d reads, %d writes, %d acknowledged, %d retried "
                        + "after a connection error), statuses %s%n", load.requests.get(), seconds, load.reads.get(),
                load.writes.get(), load.acknowledged.get(), load.retries.get(), new TreeMap<>(load.statuses));
        steps.forEach(s -> System.out.printf("RollingRestartIT: %-13s restarted in %5d ms (out of pool %d, stop %d, "
                        + "start to ready %d, back in pool %d)%s%n", s.instance(), s.totalMs(), s.outOfPoolMs(), s.stopMs(),
                s.startMs(), s.backInPoolMs(), s.graceful() ? "" : " KILLED"));

        assertTrue(load.failures.isEmpty(), load.failures.size() + " failed requests, the first: "
                + load.failures.stream().limit(10).toList());
        assertTrue(load.acknowledged.get() > 100, "enough writes to mean something: " + load.acknowledged.get());
        assertEquals(List.of(), lostWrites(load), "acknowledged writes missing on the PostgreSQL primary");
        for (Map.Entry<String, Client> c : clients.entrySet()) {
            assertEquals(Set.of(c.getKey() + "-1", c.getKey() + "-2"), answeredBy(c.getValue(), "roll-" + c.getKey() + "-0"),
                    "both " + c.getKey() + " instances serve again");
        }
    }

    private static RollingRestart.Options options() {
        RollingRestart.Options d = RollingRestart.Options.DEFAULT;
        return switch (System.getProperty("rolling.counterexample", "")) {
            case "" -> d;
            case "no-drain" -> new RollingRestart.Options(false, true, d.stopGrace(), d.readyTimeout());
            case "kill" -> new RollingRestart.Options(false, false, d.stopGrace(), d.readyTimeout());
            default -> throw new IllegalArgumentException("rolling.counterexample: no-drain or kill");
        };
    }

    /** Acknowledged writes whose key is not on the primary at their version or newer (buffered ones get 30 s). */
    private List<String> lostWrites(Load load) throws InterruptedException {
        List<String> lost = List.of();
        for (int attempt = 0; attempt < 60; attempt++) {
            Map<String, Long> stored = new TreeMap<>();
            for (List<String> row : stack.topology.sql(stack.topology.pgPrimary(),
                    "SELECT key, version FROM kv WHERE key LIKE 'roll-%'")) {
                stored.put(row.get(0), Long.parseLong(row.get(1)));
            }
            lost = load.acked.entrySet().stream()
                    .filter(e -> stored.getOrDefault(e.getKey(), Long.MIN_VALUE) < e.getValue())
                    .map(e -> e.getKey() + " acknowledged at " + e.getValue() + ", stored " + stored.get(e.getKey()))
                    .sorted().toList();
            if (lost.isEmpty()) {
                return lost;
            }
            Thread.sleep(500);
        }
        return lost;
    }

    private static Set<String> answeredBy(Client client, String key) {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 10; i++) {
            Client.Answer a = client.read(key);
            ids.add(a.header("X-Instance-Id"));
        }
        return ids;
    }

    /** Paced clients and what they saw. */
    private static final class Load {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger acknowledged = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        /** key -> the highest version an acknowledgement (200/202) carried. */
        final Map<String, Long> acked = new ConcurrentHashMap<>();

        void write(String profile, Client client) {
            for (int i = 0; running.get(); i++) {
                String key = "roll-" + profile + "-" + (i % KEYS);
                String idempotencyKey = "roll-" + profile + "-" + i;
                String value = "v" + i;
                Client.Answer a = send(() -> client.write(key, value, "Idempotency-Key", idempotencyKey));
                writes.incrementAndGet();
                if (a != null && (a.status() == 200 || a.status() == 202)) {
                    acknowledged.incrementAndGet();
                    acked.merge(key, a.version(), Math::max);
                } else {
                    failures.add("POST " + key + " (" + profile + "): " + (a == null ? "no answer" : a));
                }
                pace();
            }
        }

        void read(String profile, Client client) {
            while (running.get()) {
                String key = "roll-" + profile + "-" + ThreadLocalRandom.current().nextInt(KEYS);
                Client.Answer a = send(() -> client.read(key));
                reads.incrementAndGet();
                if (a == null || (a.status() != 200 && a.status() != 404)) {
                    failures.add("GET " + key + " (" + profile + "): " + (a == null ? "no answer" : a));
                }
                pace();
            }
        }

        /** One request, sent again (at most twice more) only when no HTTP answer came at all. */
        private Client.Answer send(java.util.function.Supplier<Client.Answer> request) {
            for (int attempt = 1; ; attempt++) {
                requests.incrementAndGet();
                try {
                    Client.Answer a = request.get();
                    statuses.merge(a.status(), 1, Integer::sum);
                    return a;
                } catch (UncheckedIOException noAnswer) {
                    if (attempt == 3) {
                        failures.add("no answer in 3 attempts: " + noAnswer.getCause());
                        return null;
                    }
                    retries.incrementAndGet();
                }
            }
        }

        private static void pace() {
            try {
                Thread.sleep(PACE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
