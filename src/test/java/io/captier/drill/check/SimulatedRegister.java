package io.captier.drill.check;

import io.captier.drill.history.Op;
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
 * every run.
 */
final class SimulatedRegister {

    private record Planned(Op.Builder op, long effectAt, boolean read, String value, boolean applies) {
    }

    private SimulatedRegister() {
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
