package io.captier.drill.check;

import io.captier.drill.history.FinalState;
import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Op;
import io.captier.drill.history.Precondition;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Generates a linearizable history of one key by simulation: concurrent clients, each
 * sending its next operation soon after the last one answered; every operation takes
 * effect at a random instant inside its interval, on one true register. Some writes end
 * UNKNOWN (applied or not, the client does not learn which). Seeded: the same history
 * every run. {@link #casHistory} adds compare-and-sets, as the drill's consistent clients
 * send them.
 */
final class SimulatedRegister {

    private record Planned(Op.Builder op, long effectAt, boolean read, String value, boolean applies) {
    }

    /** One operation of {@link #casHistory} before the register decides what it saw. */
    private record Slot(int id, int client, long invoke, long effect, long complete, int kind, boolean unknown,
                        boolean applies) {
        boolean read() {
            return kind < 4;
        }

        boolean delete() {
            return kind == 6 || kind == 9;
        }

        boolean conditional() {
            return kind >= 7;
        }
    }

    private SimulatedRegister() {
    }

    /**
     * Like {@link #history}, with versions (1001, 1002, ... in the order writes take effect)
     * and a fifth of the operations compare-and-sets: {@code If-Match} the version the client
     * last saw, or {@code If-None-Match: *} when it last saw no value. A condition that is
     * false where the operation takes effect gets a 412 with the register's state, unless
     * the outcome is UNKNOWN (one write in ten), which then applied nothing.
     */
    static List<Op> casHistory(String key, int clients, int opsTotal, long seed) {
        return casRun(key, clients, opsTotal, seed).ops();
    }

    /** What {@link #casHistory} recorded, and the state the register was left in. */
    record Run(List<Op> ops, FinalState end) {
    }

    /** {@link #casHistory} with the register's final state. */
    static Run casRun(String key, int clients, int opsTotal, long seed) {
        Random random = new Random(seed);
        long[] clientFree = new long[clients];
        List<Slot> slots = new ArrayList<>();
        for (int id = 1; id <= opsTotal; id++) {
            int client = random.nextInt(clients);
            long invoke = clientFree[client] + random.nextInt(3);
            long effect = invoke + 1 + random.nextInt(10);
            long complete = effect + 1 + random.nextInt(10);
            clientFree[client] = complete;
            int kind = random.nextInt(10); // 0-3 read, 4-5 write, 6 delete, 7-8 conditional write, 9 conditional delete
            boolean unknown = kind >= 4 && random.nextInt(10) == 0;
            slots.add(new Slot(id, client, invoke, effect, complete, kind, unknown, !unknown || random.nextBoolean()));
        }
        slots.sort(Comparator.comparingLong(Slot::effect));
        List<Op> ops = new ArrayList<>();
        String value = null;
        long version = 0;
        long nextVersion = 1000;
        // What each client last saw of the key: a version, or 0 for no value (a client's previous
        // operation took effect before this one was sent, so it is already known here).
        long[] lastSeen = new long[clients];
        for (Slot slot : slots) {
            String name = "c" + slot.client();
            if (slot.read()) {
                ops.add(Op.read(slot.id(), name, Mode.CONSISTENT, key).instance("consistent-1")
                        .at(slot.invoke(), slot.complete()).ok(value == null ? 404 : 200)
                        .returned(value, value == null ? 0 : version, "postgres-primary", 0).build());
                lastSeen[slot.client()] = value == null ? 0 : version;
                continue;
            }
            String written = slot.delete() ? null : "v" + slot.id();
            Precondition condition = !slot.conditional() ? null : lastSeen[slot.client()] == 0
                    ? Precondition.ifNoneMatch() : Precondition.ifMatch(lastSeen[slot.client()]);
            boolean holds = condition == null || condition.holds(value != null, version);
            Op.Builder op = (written == null ? Op.delete(slot.id(), name, Mode.CONSISTENT, key)
                    : Op.write(slot.id(), name, Mode.CONSISTENT, key, written)).instance("consistent-1")
                    .at(slot.invoke(), slot.complete()).precondition(condition);
            if (slot.unknown()) {
                op.unknown(0);
                if (slot.applies() && holds) {
                    value = written;
                    version = ++nextVersion;
                }
            } else if (!holds) {
                op.preconditionFailed(new Mismatch(value != null, value == null ? 0 : version));
                lastSeen[slot.client()] = value == null ? 0 : version;
            } else {
                value = written;
                version = ++nextVersion;
                op.ok(200).assigned(version, Durability.PRIMARY);
                lastSeen[slot.client()] = value == null ? 0 : version;
            }
            ops.add(op.build());
        }
        FinalState end = nextVersion == 1000 ? FinalState.absent(key) : value == null
                ? FinalState.tombstone(key, version, "consistent-1") : FinalState.of(key, value, version, "consistent-1");
        return new Run(ops, end);
    }

    static List<Op> history(String key, int clients, int opsTotal, long seed) {
        Random random = new Random(seed);
        long[] clientFree = new long[clients];
        List<Planned> planned = new ArrayList<>();
        for (int id = 1; id <= opsTotal; id++) {
            int client = random.nextInt(clients);
            long invoke = clientFree[client] + random.nextInt(3);
            long effect = invoke + 1 + random.nextInt(10);
            long complete = effect + 1 + random.nextInt(10);
            clientFree[client] = complete;
            String name = "c" + client;
            int kind = random.nextInt(10);
            if (kind < 5) {
                planned.add(new Planned(Op.read(id, name, Mode.CONSISTENT, key).instance("consistent-1")
                        .at(invoke, complete).ok(200), effect, true, null, true));
            } else {
                boolean unknown = kind == 9;
                boolean applies = !unknown || random.nextBoolean();
                String value = kind == 8 ? null : "v" + id;
                Op.Builder op = (value == null ? Op.delete(id, name, Mode.CONSISTENT, key)
                        : Op.write(id, name, Mode.CONSISTENT, key, value)).instance("consistent-1")
                        .at(invoke, complete).assigned(id, Durability.PRIMARY);
                planned.add(new Planned(unknown ? op.unknown(0) : op.ok(200), effect, false, value, applies));
            }
        }
        planned.sort(Comparator.comparingLong(Planned::effectAt));
        List<Op> ops = new ArrayList<>();
        String state = null;
        for (Planned p : planned) {
            if (p.read) {
                p.op.ok(state == null ? 404 : 200).returned(state, 0, "postgres-primary", 0);
            } else if (p.applies) {
                state = p.value;
            }
            ops.add(p.op.build());
        }
        return ops;
    }
}
