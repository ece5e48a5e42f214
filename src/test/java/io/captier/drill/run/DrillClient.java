package io.captier.drill.run;

import io.captier.drill.history.Op;
import io.captier.it.Client;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.io.UncheckedIOException;
import java.net.ConnectException;
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
 */
final class DrillClient implements Runnable {

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
        String key = keys.get(random.nextInt(keys.size()));
        int dice = random.nextInt(100);
        Op.Builder op = dice < 50 ? Op.read(ids.incrementAndGet(), name, mode, key)
                : dice < 90 ? Op.write(ids.incrementAndGet(), name, mode, key, name + "-" + (++written))
                : Op.delete(ids.incrementAndGet(), name, mode, key);
        Op draft = op.build();
        op.instance(to.name()).session(keepsSession ? name : null);
        String[] headers = session == null ? new String[0] : new String[] {"X-Session-Token", session};
        long invokeMs = System.currentTimeMillis();
        long invokeNanos = System.nanoTime();
        Client.Answer answer = null;
        Exception failure = null;
        try {
            answer = switch (draft.type()) {
                case READ -> to.client().read(key, headers);
                case WRITE -> to.client().write(key, draft.value(), headers);
                case DELETE -> to.client().delete(key, headers);
            };
        } catch (UncheckedIOException | IllegalStateException e) {
            failure = e;
        }
        op.at(invokeMs, System.currentTimeMillis()).nanos(invokeNanos, System.nanoTime());
        if (answer == null) {
            // Refused before anything was sent: nothing happened. Otherwise a write may have.
            boolean notSent = failure != null && failure.getCause() instanceof ConnectException;
            return (notSent || draft.isRead() ? op.failed(0) : op.unknown(0)).build();
        }
        return recorded(op, draft, answer);
    }

    private Op recorded(Op.Builder op, Op draft, Client.Answer a) {
        int status = a.status();
        if (mode == Mode.AVAILABLE && status >= 500) {
            // The history keeps the status only; the why goes to the drill's output.
            System.out.println("[drill] " + name + " got " + a + " from " + draft.key());
        }
        String token = a.header("X-Session-Token");
        // Every answer that carries a token moves the session on, a 404 too (it saw a tombstone).
        if (keepsSession && token != null) {
            session = token;
        }
        if (draft.isRead()) {
            if (status == 200 || status == 404) {
                String version = a.string("version");
                return op.ok(status).returned(status == 200 ? a.string("value") : null,
                        version == null ? 0 : Long.parseLong(version), a.string("source"),
                        a.json() != null && a.json().get("staleness_ms") instanceof Number n ? n.longValue() : 0).build();
            }
            return op.failed(status).problem(a.string("type")).build();
        }
        if (status == 200 || status == 202) {
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
