package io.captier.drill.run;

import io.captier.cluster.app.Client;
import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Op;
import io.captier.drill.history.OpType;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Precondition;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One drill client: reads, writes and deletes on its profile's small key space, each
 * request to the next instance in turn (no sticky routing), recording every operation as
 * it saw it. A session client sends back the last session token it got; the others send
 * none. It stops when told to or when the drill's operation budget is spent.
 *
 * <p>Available-profile clients retry the way docs/architecture.md A8 lets a client: each logical write
 * or delete carries {@code Idempotency-Key: <client>-w<n>}; one whose attempt ended with an
 * unknown outcome or a 5xx is sent again, the same request with the same key, to the next
 * instance in turn, up to {@value #MAX_ATTEMPTS} attempts in all; and about
 * {@value #RETRY_ACKNOWLEDGED_PERCENT}% of acknowledged ones are sent once more anyway (a
 * client that lost an answer it did get), which a correct service answers as a replay.
 * Every attempt is an operation of its own in the history and in the budget. Consistent
 * clients send no key and never retry.
 *
 * <p>About {@value #ONCE_PERCENT}% of an available client's writes go to a key of their own,
 * written once and never again ({@code <onceKeyPrefix><client>-w<n>}). Under last-writer-wins
 * a lost write stays invisible once a later write to its key is applied; on a key written
 * once it is the last write, so the final-state checker sees every such loss (the same idea
 * as Jepsen's set workload).
 *
 * <p>Consistent-profile clients send about {@value #CAS_PERCENT}% of their writes and
 * deletes as compare-and-sets (docs/architecture.md C5, RFC 9110 13.1), conditioned on what the client
 * last learned of the key from its own answers: {@code If-Match: "<v>"} when that was a
 * value at version v; otherwise {@code If-None-Match: *} for a write (a create) and
 * {@code If-Match: *} for a delete. Other clients change keys in between, so some apply and
 * some are refused 412; the history records the condition and what the 412 said, for the
 * linearizability checker's compare-and-set register.
 */
final class DrillClient implements Runnable {

    /** Attempts per logical write while its outcome stays unknown or 5xx. */
    static final int MAX_ATTEMPTS = 3;
    /** Of the acknowledged available writes, the share sent once more anyway. */
    static final int RETRY_ACKNOWLEDGED_PERCENT = 10;
    /** Of the consistent profile's writes and deletes, the share sent as compare-and-sets. */
    static final int CAS_PERCENT = 20;
    /** Of the available profile's writes, the share sent to a key written only once. */
    static final int ONCE_PERCENT = 10;

    private final String name;
    private final Mode mode;
    private final List<Instance> instances;
    private final List<String> keys;
    /** Null: every write goes to {@link #keys}. */
    private final String onceKeyPrefix;
    private final boolean keepsSession;
    private final DrillPlan plan;
    private final Random random;
    private final AtomicLong ids;
    private final AtomicBoolean stop;
    private final ConcurrentLinkedQueue<Op> history;
    private String session;
    private int next;
    private int written;
    /** The attempt to send next instead of a new request, or null. */
    private Request retry;
    /**
     * Per key, what this client last learned of it: the version of the value it held, or 0
     * when it held none (404, a delete, a 412 saying so). No entry: nothing yet, or an
     * unknown outcome since (the write may or may not have applied).
     */
    private final Map<String, Long> known = new HashMap<>();

    /**
     * One instance of the profile: its name (INSTANCE_ID), a client for it, and whether it
     * is in service. Like a load balancer that follows readiness, the drill sends nothing
     * to an instance the nemesis took out until it is ready again.
     */
    record Instance(String name, Client client, Set<String> outOfService) {
        boolean inService() {
            return !outOfService.contains(name);
        }
    }

    /**
     * What one attempt asks: the same for every attempt of a logical write.
     *
     * @param idempotencyKey null for reads and for the consistent profile's writes
     * @param attempt        1 for the first
     * @param anyway         a retry of an acknowledged write: tried once, never retried
     * @param precondition   for a compare-and-set, its condition; null otherwise
     */
    private record Request(OpType type, String key, String value, String idempotencyKey, int attempt, boolean anyway,
                           Precondition precondition) {
        Request again(boolean anyway) {
            return new Request(type, key, value, idempotencyKey, attempt + 1, anyway, precondition);
        }
    }

    /**
     * @param keys          the profile's shared key space
     * @param onceKeyPrefix where keys written only once start (available profile), or null for none
     */
    DrillClient(String name, Mode mode, List<Instance> instances, List<String> keys, String onceKeyPrefix,
                boolean keepsSession, DrillPlan plan, long seed, AtomicLong ids, AtomicBoolean stop,
                ConcurrentLinkedQueue<Op> history) {
        this.name = name;
        this.mode = mode;
        this.instances = instances;
        this.keys = keys;
        this.onceKeyPrefix = onceKeyPrefix;
        this.keepsSession = keepsSession;
        this.plan = plan;
        this.random = new Random(seed);
        this.ids = ids;
        this.stop = stop;
        this.history = history;
        this.next = random.nextInt(instances.size());
    }

    @Override
    public void run() {
        while (!stop.get() && ids.get() < plan.maxOps()) {
            history.add(step());
            try {
                Thread.sleep(plan.pauseBetweenOps().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Op step() {
        Instance to = instances.get(next++ % instances.size());
        if (!to.inService()) {
            to = instances.get(next++ % instances.size());
        }
        Request request = retry != null ? retry : newRequest();
        retry = null;
        long id = ids.incrementAndGet();
        Op.Builder op = switch (request.type()) {
            case READ -> Op.read(id, name, mode, request.key());
            case WRITE -> Op.write(id, name, mode, request.key(), request.value());
            case DELETE -> Op.delete(id, name, mode, request.key());
        };
        op.instance(to.name()).session(keepsSession ? name : null).idempotencyKey(request.idempotencyKey())
                .precondition(request.precondition());
        String[] headers = headers(request);
        long invokeMs = System.currentTimeMillis();
        long invokeNanos = System.nanoTime();
        Client.Answer answer = null;
        Exception failure = null;
        try {
            answer = switch (request.type()) {
                case READ -> to.client().read(request.key(), headers);
                case WRITE -> to.client().write(request.key(), request.value(), headers);
                case DELETE -> to.client().delete(request.key(), headers);
            };
        } catch (UncheckedIOException | IllegalStateException e) {
            failure = e;
        }
        op.at(invokeMs, System.currentTimeMillis()).nanos(invokeNanos, System.nanoTime());
        Op done;
        if (answer == null) {
            // Refused before anything was sent: nothing happened. Otherwise a write may have.
            boolean notSent = failure != null && failure.getCause() instanceof ConnectException;
            done = (notSent || request.type() == OpType.READ ? op.failed(0) : op.unknown(0)).build();
        } else {
            done = recorded(op, request, answer);
        }
        retry = retryOf(request, done);
        learn(done);
        return done;
    }

    /** Updates what this client knows of the key from an operation's answer. */
    private void learn(Op done) {
        if (done.isRead() && done.outcome() == Outcome.OK) {
            known.put(done.key(), done.valueRead() == null ? 0 : done.version());
        } else if (done.acknowledged()) {
            known.put(done.key(), done.type() == OpType.DELETE || done.version() == 0 ? 0 : done.version());
        } else if (done.preconditionFailed() && done.mismatch() != null) {
            known.put(done.key(), done.mismatch().exists() ? done.mismatch().currentVersion() : 0);
        } else if (done.outcome() == Outcome.UNKNOWN) {
            known.remove(done.key());
        }
    }

    /** A read (half of the requests), a write of a value never written before, or a delete. */
    private Request newRequest() {
        String key = plan.key(keys, random.nextInt(keys.size()), System.currentTimeMillis());
        int dice = random.nextInt(100);
        if (dice < 50) {
            return new Request(OpType.READ, key, null, null, 1, false, null);
        }
        int n = ++written;
        // One key per logical write: its retries must be recognised as the same write.
        String idempotencyKey = mode == Mode.AVAILABLE ? name + "-w" + n : null;
        boolean write = dice < 90;
        Precondition condition = mode == Mode.CONSISTENT && random.nextInt(100) < CAS_PERCENT
                ? condition(key, write) : null;
        if (write && onceKeyPrefix != null && random.nextInt(100) < ONCE_PERCENT) {
            key = onceKeyPrefix + name + "-w" + n;
        }
        return write ? new Request(OpType.WRITE, key, name + "-" + n, idempotencyKey, 1, false, condition)
                : new Request(OpType.DELETE, key, null, idempotencyKey, 1, false, condition);
    }

    /** A compare-and-set's condition: the version last learned, else "no value" for a write, "a value" for a delete. */
    private Precondition condition(String key, boolean write) {
        long version = known.getOrDefault(key, 0L);
        if (version != 0) {
            return Precondition.ifMatch(version);
        }
        return write ? Precondition.ifNoneMatch() : Precondition.ifMatchAny();
    }

    /** The attempt to send next for {@code request} after it ended as {@code done}, or null. */
    private Request retryOf(Request request, Op done) {
        if (request.idempotencyKey() == null || request.anyway()) {
            return null;
        }
        // An unknown outcome or a 5xx leaves the client unsure the write happened: what retries are for.
        if (done.outcome() == Outcome.UNKNOWN || done.status() >= 500) {
            return request.attempt() < MAX_ATTEMPTS ? request.again(false) : null;
        }
        if (done.acknowledged() && random.nextInt(100) < RETRY_ACKNOWLEDGED_PERCENT) {
            return request.again(true);
        }
        return null;
    }

    private String[] headers(Request request) {
        List<String> headers = new ArrayList<>();
        if (session != null) {
            headers.add("X-Session-Token");
            headers.add(session);
        }
        if (request.idempotencyKey() != null) {
            headers.add("Idempotency-Key");
            headers.add(request.idempotencyKey());
        }
        if (request.precondition() != null) {
            headers.add(request.precondition().headerName());
            headers.add(request.precondition().headerValue());
        }
        return headers.toArray(String[]::new);
    }

    private Op recorded(Op.Builder op, Request request, Client.Answer a) {
        int status = a.status();
        if (mode == Mode.AVAILABLE && status >= 500) {
            // The history keeps the status only; the why goes to the drill's output.
            System.out.println("[drill] " + name + " got " + a + " from " + request.key());
        }
        String token = a.header("X-Session-Token");
        // Every answer that carries a token moves the session on, a 404 too (it saw a tombstone).
        if (keepsSession && token != null) {
            session = token;
        }
        if (request.type() == OpType.READ) {
            if (status == 200 || status == 404) {
                String version = a.string("version");
                return op.ok(status).returned(status == 200 ? a.string("value") : null,
                        version == null ? 0 : Long.parseLong(version), a.string("source"),
                        a.json() != null && a.json().get("staleness_ms") instanceof Number n ? n.longValue() : 0).build();
            }
            return op.failed(status).problem(a.string("type")).build();
        }
        op.replayed("true".equalsIgnoreCase(a.header("Idempotent-Replayed")));
        if (status == 200 || status == 202) {
            // The instance that issued the version: on a replay, the first attempt's, not the one answering.
            String origin = a.string("origin");
            if (origin != null) {
                op.origin(origin);
            }
            return op.ok(status).assigned(a.version(), durability(a.string("durability"))).build();
        }
        if (status == 412 && Precondition.FAILED_PROBLEM.equals(a.string("type"))) {
            // The condition was false, nothing changed, and the answer says what the key held.
            String current = a.string("current_version");
            return op.preconditionFailed(new Mismatch(Boolean.TRUE.equals(a.json().get("exists")),
                    current == null ? 0 : Long.parseLong(current))).build();
        }
        // 503 says whether the write may have happened; anything else refused it.
        op.problem(a.string("type"));
        return "unknown".equals(a.string("outcome")) ? op.unknown(status).build() : op.failed(status).build();
    }

    private static Durability durability(String wireName) {
        for (Durability d : Durability.values()) {
            if (d.wireName().equals(wireName)) {
                return d;
            }
        }
        throw new IllegalStateException("unknown durability " + wireName);
    }
}
