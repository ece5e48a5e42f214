package io.captier.drill.check.linear;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search, with its memo, its shortcuts for reads and its simplifications of pending
 * writes, must agree with the definition: some order of the operations that respects
 * real time and the register. Small random histories are checked both ways.
 */
class WglSearchCrossCheckTest {

    private static final String[] VALUES = {null, "a", "b", "c"};

    @Test
    void agreesWithAnExhaustiveSearchOnRandomSmallHistories() {
        Random random = new Random(2024);
        int linearizable = 0;
        int not = 0;
        for (int round = 0; round < 4000; round++) {
            List<RegisterOp> history = randomHistory(random, 2 + random.nextInt(6));
            boolean expected = exhaustive(history, new boolean[history.size()], null);
            WglSearch.Verdict verdict = WglSearch.run(history, Budget.DEFAULT.start());
            assertEquals(expected ? WglSearch.Verdict.LINEARIZABLE : WglSearch.Verdict.NOT_LINEARIZABLE, verdict,
                    () -> "round with " + history);
            if (expected) {
                linearizable++;
            } else {
                not++;
            }
        }
        assertTrue(linearizable > 500 && not > 500, linearizable + " linearizable, " + not + " not");
    }

    private static List<RegisterOp> randomHistory(Random random, int size) {
        List<RegisterOp> ops = new ArrayList<>();
        boolean uniqueValues = random.nextBoolean();
        for (int i = 0; i < size; i++) {
            long call = random.nextInt(20);
            long ret = call + 1 + random.nextInt(8);
            if (random.nextInt(5) < 2) {
                ops.add(new RegisterOp(null, true, VALUES[random.nextInt(VALUES.length)], call, ret));
            } else {
                String value = random.nextInt(4) == 0 ? null : uniqueValues ? "w" + i : VALUES[1 + random.nextInt(3)];
                boolean pending = random.nextInt(4) == 0;
                ops.add(new RegisterOp(null, false, value, call, pending ? RegisterOp.NEVER : ret));
            }
        }
        if (uniqueValues) {
            // Let reads return what some write wrote, so that many histories do linearize.
            List<RegisterOp> withReads = new ArrayList<>();
            for (RegisterOp op : ops) {
                List<RegisterOp> writes = ops.stream().filter(w -> !w.read()).toList();
                if (op.read() && !writes.isEmpty() && random.nextBoolean()) {
                    op = new RegisterOp(null, true, writes.get(random.nextInt(writes.size())).value(), op.call(),
                            op.ret());
                }
                withReads.add(op);
            }
            return withReads;
        }
        return ops;
    }

    /** Straight from the definition: pick any next operation nothing pending must precede. */
    private static boolean exhaustive(List<RegisterOp> ops, boolean[] done, String state) {
        boolean allDone = true;
        for (int i = 0; i < ops.size(); i++) {
            if (!done[i] && !ops.get(i).pending()) {
                allDone = false;
            }
        }
        if (allDone) {
            return true; // writes still pending may simply never have happened
        }
        for (int i = 0; i < ops.size(); i++) {
            RegisterOp op = ops.get(i);
            if (done[i] || mustWait(ops, done, op) || op.read() && !Objects.equals(op.value(), state)) {
                continue;
            }
            done[i] = true;
            boolean found = exhaustive(ops, done, op.read() ? state : op.value());
            done[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
    }

    private static boolean mustWait(List<RegisterOp> ops, boolean[] done, RegisterOp op) {
        for (int j = 0; j < ops.size(); j++) {
            if (!done[j] && ops.get(j).ret() < op.call()) {
                return true;
            }
        }
        return false;
    }
}
