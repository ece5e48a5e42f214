package io.captier.drill.run;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.captier.cluster.app.Client;
import io.captier.drill.check.IdempotencyChecker;
import io.captier.drill.check.LinearizabilityChecker;
import io.captier.drill.check.Violation;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.drill.history.OpType;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Precondition;
import io.captier.mode.Mode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drill client's retries against two fake instances on loopback HTTP that share an
 * idempotency store, as the service's contract describes it (docs/architecture.md A8): a known key gets
 * the first answer again, marked replayed, with the first attempt's origin. And the
 * consistent clients' compare-and-sets against fake instances that share one true register.
 */
class DrillClientTest {

    private final List<HttpServer> servers = new ArrayList<>();
    /** Idempotency-Key to the first answer's body, shared by the fake instances. */
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    /**
     * Every write or delete request as sent: instance, Idempotency-Key header (null when none),
     * precondition header as "Name: value" (null when none).
     */
    private final ConcurrentLinkedQueue<String[]> requests = new ConcurrentLinkedQueue<>();
    private final AtomicLong versions = new AtomicLong(1000);

    /** What a fake instance does with a write or delete its store does not know. */
    private enum Behaviour {
        APPLY,
        /** The connection drops before the answer: the outcome is unknown. */
        LOSE_THE_ANSWER,
        /** 503 "not-applied": a 5xx, definitely not applied. */
        REFUSE,
        /** One register per key shared by the instances, as the primary is: conditions honoured. */
        REGISTER,
        /** The same register, but it applies every write and ignores the conditions: a broken service. */
        REGISTER_IGNORING_CONDITIONS
    }

    /** A key's state in the fake instances' shared register: a value at a version, or none. */
    private record State(String value, long version) {
    }

    /** Key to its state; no entry: never written. Guarded by itself: one request at a time, linearizable. */
    private final Map<String, State> register = new TreeMap<>();

    static {
        // The JDK's server otherwise waits for delayed ACKs: 40 ms a request instead of 1. Too late
        // if another test started a server first in this JVM: the build sets it too (pom.xml).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    @AfterEach
    void stopServers() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void anUnknownOutcomeIsRetriedWithTheSameKeyOnTheOtherInstanceAndAnsweredAsAReplay() {
        List<Op> ops = run(Mode.AVAILABLE, 800, Behaviour.LOSE_THE_ANSWER, Behaviour.APPLY);
        Map<String, List<Op>> groups = groups(ops);
        assertTrue(groups.size() > 150, "logical writes: " + groups.size());
        for (Map.Entry<String, List<Op>> group : groups.entrySet()) {
            List<Op> attempts = group.getValue();
            Op first = attempts.get(0);
            assertTrue(group.getKey().matches("ap-client-w\\d+"), group.getKey());
            assertTrue(attempts.stream().allMatch(a -> a.key().equals(first.key()) && a.type() == first.type()
                    && Objects.equals(a.value(), first.value())), "one request: " + attempts);
            if (first.instance().equals("lossy")) {
                assertEquals(Outcome.UNKNOWN, first.outcome(), first::toString);
                assertEquals(0, first.status(), "no answer");
                if (attempts.size() > 1) { // the budget may end before the retry
                    assertEquals("applying", attempts.get(1).instance(), "the retry goes to the next instance");
                    assertTrue(attempts.get(1).acknowledged() && !attempts.get(1).replayed());
                }
            }
        }
        List<Op> replays = ops.stream().filter(Op::replayed).toList();
        assertFalse(replays.isEmpty());
        assertTrue(replays.stream().anyMatch(r -> r.instance().equals("lossy")));
        assertTrue(replays.stream().allMatch(r -> r.acknowledged() && "applying".equals(r.origin())),
                "a replay carries the first attempt's origin, whoever answers it: " + replays);
        long acknowledged = groups.values().stream().filter(g -> g.stream().anyMatch(a -> a.acknowledged()
                && !a.replayed())).count();
        double anyway = (double) replays.size() / acknowledged;
        assertTrue(anyway > 0.04 && anyway < 0.2, "about 10% of acknowledged writes sent once more: " + anyway);
        assertEquals(List.of(), new IdempotencyChecker().check(History.of(ops)));
    }

    @Test
    void aWriteIsTriedThreeTimesInAllWhileItsOutcomeStaysUnknownOrA5xx() {
        List<Op> ops = run(Mode.AVAILABLE, 60, Behaviour.LOSE_THE_ANSWER, Behaviour.REFUSE);
        List<List<Op>> complete = groups(ops).values().stream()
                .filter(g -> g.get(0).id() < 55).toList(); // the budget may cut the last ones short
        assertFalse(complete.isEmpty());
        for (List<Op> attempts : complete) {
            assertEquals(DrillClient.MAX_ATTEMPTS, attempts.size(), attempts::toString);
            assertTrue(attempts.stream().allMatch(a -> a.instance().equals("lossy")
                    ? a.outcome() == Outcome.UNKNOWN && a.status() == 0
                    : a.outcome() == Outcome.FAILED && a.status() == 503), attempts::toString);
            assertTrue(!attempts.get(0).instance().equals(attempts.get(1).instance()), "alternating: " + attempts);
        }
    }

    @Test
    void everyAttemptSentItsIdempotencyKeyAndConsistentClientsSendNoneAndNeverRetry() {
        List<Op> available = run(Mode.AVAILABLE, 300, Behaviour.LOSE_THE_ANSWER, Behaviour.APPLY);
        List<String> recorded = available.stream().filter(op -> op.type().mutates()).map(Op::idempotencyKey).toList();
        List<String> sent = requests.stream().map(r -> r[1]).toList();
        assertEquals(recorded, sent, "the header of every write and delete, in order");

        requests.clear();
        List<Op> consistent = run(Mode.CONSISTENT, 300, Behaviour.LOSE_THE_ANSWER, Behaviour.APPLY);
        assertTrue(consistent.stream().allMatch(op -> op.idempotencyKey() == null));
        assertTrue(requests.stream().allMatch(r -> r[1] == null));
        assertEquals(consistent.stream().filter(op -> op.type() == OpType.WRITE).count(),
                consistent.stream().filter(op -> op.type() == OpType.WRITE).map(Op::value).distinct().count(),
                "each value is written once: nothing is retried");
    }

    @Test
    void consistentClientsSendAShareOfCompareAndSetsAndRecordWhatTheyGot() {
        List<Op> ops = twoClients(Behaviour.REGISTER, 1500);
        List<Op> mutations = ops.stream().filter(op -> op.type().mutates()).toList();
        List<Op> cas = mutations.stream().filter(Op::isCas).toList();
        double share = (double) cas.size() / mutations.size();
        assertTrue(share > 0.12 && share < 0.28, "about 20% of writes and deletes: " + share);
        assertEquals(cas.stream().map(op -> op.precondition().toString()).sorted().toList(),
                requests.stream().map(r -> r[2]).filter(Objects::nonNull).sorted().toList(),
                "the header of every compare-and-set as recorded");
        for (Precondition.Match form : Precondition.Match.values()) {
            assertTrue(cas.stream().anyMatch(op -> op.precondition().match() == form), "sent " + form);
        }
        assertTrue(cas.stream().filter(op -> op.acknowledged()).count() > 20, "some applied");
        List<Op> refused = cas.stream().filter(Op::preconditionFailed).toList();
        assertTrue(refused.size() > 20, "some were refused: another client had changed the key");
        assertTrue(refused.stream().allMatch(op -> op.mismatch() != null
                && op.mismatch().exists() == (op.mismatch().currentVersion() != 0)), "412s say what the key held");
        assertEquals(List.of(), new LinearizabilityChecker().check(History.of(ops)),
                "one true register, so the history is linearizable");
    }

    @Test
    void aServiceThatIgnoresConditionsIsCaught() {
        List<Op> ops = twoClients(Behaviour.REGISTER_IGNORING_CONDITIONS, 1500);
        assertTrue(ops.stream().noneMatch(Op::preconditionFailed));
        List<Violation> found = new LinearizabilityChecker().check(History.of(ops));
        assertFalse(found.isEmpty(), "compare-and-sets applied where their condition was false");
        assertTrue(found.stream().allMatch(Violation::conclusive), found::toString);
    }

    @Test
    void aShareOfAvailableWritesGoesToKeysWrittenByOneLogicalWriteOnly() {
        List<Op> ops = run(Mode.AVAILABLE, 800, Behaviour.LOSE_THE_ANSWER, Behaviour.APPLY);
        Map<String, List<Op>> once = ops.stream().filter(op -> op.key().startsWith("once-"))
                .collect(Collectors.groupingBy(Op::key));
        long writes = ops.stream().filter(op -> op.type() == OpType.WRITE).map(Op::idempotencyKey).distinct().count();
        assertTrue(once.size() > writes / 20 && once.size() < writes / 5, once.size() + " of " + writes + " writes");
        // Retries of one write keep its key: each once-key carries one Idempotency-Key, nothing else.
        once.forEach((key, attempts) -> {
            assertEquals(1, attempts.stream().map(Op::idempotencyKey).distinct().count(), key + ": " + attempts);
            assertTrue(attempts.stream().allMatch(op -> op.type() == OpType.WRITE), key + ": " + attempts);
        });
        assertTrue(once.values().stream().anyMatch(attempts -> attempts.size() > 1), "some once-keys were retried");
    }

    @Test
    void readsCarryNoKey() {
        List<Op> ops = run(Mode.AVAILABLE, 100, Behaviour.APPLY, Behaviour.APPLY);
        assertTrue(ops.stream().filter(Op::isRead).allMatch(op -> op.idempotencyKey() == null && !op.replayed()));
        assertNull(ops.stream().filter(Op::isRead).findFirst().map(Op::origin).orElse(null));
    }

    private List<Op> run(Mode mode, int maxOps, Behaviour first, Behaviour second) {
        List<DrillClient.Instance> instances = List.of(instance("lossy", first), instance("applying", second));
        DrillPlan plan = new DrillPlan(1, 1, 0, 3, maxOps, Duration.ZERO, 42);
        ConcurrentLinkedQueue<Op> history = new ConcurrentLinkedQueue<>();
        new DrillClient(mode == Mode.AVAILABLE ? "ap-client" : "cp-client", mode, instances, List.of("k0", "k1", "k2"),
                mode == Mode.AVAILABLE ? "once-" : null, false, plan, 42, new AtomicLong(), new AtomicBoolean(), history).run();
        return List.copyOf(history);
    }

    /** Two consistent clients at once on three keys, against two fake instances of one register. */
    private List<Op> twoClients(Behaviour behaviour, int maxOps) {
        List<DrillClient.Instance> instances = List.of(instance("one", behaviour), instance("two", behaviour));
        DrillPlan plan = new DrillPlan(1, 2, 0, 3, maxOps, Duration.ZERO, 42);
        ConcurrentLinkedQueue<Op> history = new ConcurrentLinkedQueue<>();
        AtomicLong ids = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            DrillClient client = new DrillClient("cp-client-" + i, Mode.CONSISTENT, instances,
                    List.of("k0", "k1", "k2"), null, false, plan, 42 + i, ids, new AtomicBoolean(), history);
            threads.add(new Thread(client));
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
        return history.stream().sorted(Op.SENT_ORDER).toList();
    }

    private static Map<String, List<Op>> groups(List<Op> ops) {
        return ops.stream().filter(op -> op.idempotencyKey() != null)
                .collect(Collectors.groupingBy(Op::idempotencyKey, TreeMap::new, Collectors.toList()));
    }

    private DrillClient.Instance instance(String name, Behaviour behaviour) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> answer(name, behaviour, exchange));
            server.start();
            servers.add(server);
            return new DrillClient.Instance(name, new Client("http://127.0.0.1:" + server.getAddress().getPort()),
                    Set.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void answer(String instance, Behaviour behaviour, HttpExchange exchange) throws IOException {
        String sent = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("X-Instance-Id", instance);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (behaviour == Behaviour.REGISTER || behaviour == Behaviour.REGISTER_IGNORING_CONDITIONS) {
            registerAnswer(instance, behaviour == Behaviour.REGISTER, exchange, sent);
            return;
        }
        if (exchange.getRequestMethod().equals("GET")) {
            send(exchange, 404, "{\"type\":\"urn:captier:problem:not-found\"}");
            return;
        }
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        requests.add(new String[] {instance, key, null});
        String first = key == null ? null : answers.get(key);
        if (first != null) {
            exchange.getResponseHeaders().set("Idempotent-Replayed", "true");
            send(exchange, 200, first);
        } else if (behaviour == Behaviour.LOSE_THE_ANSWER) {
            exchange.close(); // no answer at all
        } else if (behaviour == Behaviour.REFUSE) {
            send(exchange, 503, "{\"type\":\"urn:captier:problem:unavailable\",\"outcome\":\"not-applied\"}");
        } else {
            String body = "{\"version\":\"" + versions.incrementAndGet() + "\",\"durability\":\"primary\",\"origin\":\""
                    + instance + "\"}";
            if (key != null) {
                answers.put(key, body);
            }
            send(exchange, 200, body);
        }
    }

    /**
     * The register's answer, as the service answers (docs/architecture.md C5): reads 200 with value and
     * version or 404; a write or delete whose If-Match / If-None-Match is false 412 with
     * {@code exists} and {@code current_version}, changing nothing; otherwise applied at a
     * new version. Without {@code honoured} every write applies.
     */
    private void registerAnswer(String instance, boolean honoured, HttpExchange exchange, String body)
            throws IOException {
        String path = exchange.getRequestURI().getPath();
        String key = path.substring(path.lastIndexOf('/') + 1);
        String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        String answer;
        int status;
        synchronized (register) {
            State state = register.get(key);
            boolean live = state != null && state.value() != null;
            if (exchange.getRequestMethod().equals("GET")) {
                status = live ? 200 : 404;
                answer = live ? "{\"value\":\"" + state.value() + "\",\"version\":\"" + state.version()
                        + "\",\"source\":\"postgres-primary\"}" : "{\"type\":\"urn:captier:problem:not-found\"}";
            } else {
                requests.add(new String[] {instance, null, ifMatch != null ? "If-Match: " + ifMatch
                        : ifNoneMatch != null ? "If-None-Match: " + ifNoneMatch : null});
                boolean holds = ifMatch != null ? live && (ifMatch.equals("*")
                        || ifMatch.equals("\"" + state.version() + "\""))
                        : ifNoneMatch == null || !live;
                if (honoured && !holds) {
                    status = 412;
                    answer = "{\"type\":\"" + Precondition.FAILED_PROBLEM + "\",\"outcome\":\"not-applied\","
                            + "\"exists\":" + live + ",\"current_version\":"
                            + (live ? "\"" + state.version() + "\"" : "null") + "}";
                } else {
                    long version = versions.incrementAndGet();
                    register.put(key, new State(exchange.getRequestMethod().equals("DELETE") ? null : body, version));
                    status = 200;
                    answer = "{\"version\":\"" + version + "\",\"durability\":\"primary\",\"origin\":\""
                            + instance + "\"}";
                }
            }
        }
        send(exchange, status, answer);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
