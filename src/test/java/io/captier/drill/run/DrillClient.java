package io.captier.drill.run;

import io.captier.drill.history.Op;
import io.captier.drill.history.OpType;
import io.captier.drill.history.Outcome;
import io.captier.it.Client;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Available-profile clients retry the way DESIGN A8 lets a client: each logical write
 * or delete carries {@code Idempotency-Key: <client>-w<n>}; one whose attempt ended with an
 * unknown outcome or a 5xx is sent again, the same request with the same key, to the next
 * instance in turn, up to {@value #MAX_ATTEMPTS} attempts in all; and about
 * {@value #RETRY_ACKNOWLEDGED_PERCENT}% of acknowledged ones are sent once more anyway (a
 * client that lost an answer it did get), which a correct service answers as a replay.
 * Every attempt is an operation of its own in the history and in the budget. Consistent
 * clients send no key and never retry.
 */
final class DrillClient implements Runnable {

    /** Attempts per logical write while its outcome stays unknown or 5xx. */
    static final int MAX_ATTEMPTS = 3;
    /** Of the acknowledged available writes, the share sent once more anyway. */
    static final int RETRY_ACKNOWLEDGED_PERCENT = 10;

    private final String name;
    private final Mode mode;
    private final List<Instance> instances;
    private final List<String> keys;
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
     */
    private record Request(OpType type, String key, String value, String idempotencyKey, int attempt, boolean anyway) {
        Request again(boolean anyway) {
            return new Request(type, key, value, idempotencyKey, attempt + 1, anyway);
        }
    }

    DrillClient(String name, Mode mode, List<Instance> instances, List<String> keys, boolean keepsSession,
                DrillPlan plan, long seed, AtomicLong ids, AtomicBoolean stop, ConcurrentLinkedQueue<Op> history) {
        this.name = name;
        this.mode = mode;
        this.instances = instances;
        this.keys = keys;
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
        op.instance(to.name()).session(keepsSession ? name : null).idempotencyKey(request.idempotencyKey());
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
        return done;
    }

    /** A read (half of the requests), a write of a value never written before, or a delete. */
    private Request newRequest() {
        String key = keys.get(random.nextInt(keys.size()));
        int dice = random.nextInt(100);
        if (dice < 50) {
            return new Request(OpType.READ, key, null, null, 1, false);
        }
        int n = ++written;
        // One key per logical write: its retries must be recognised as the same write.
        String idempotencyKey = mode == Mode.AVAILABLE ? name + "-w" + n : null;
        return dice < 90 ? new Request(OpType.WRITE, key, name + "-" + n, idempotencyKey, 1, false)
                : new Request(OpType.DELETE, key, null, idempotencyKey, 1, false);
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
