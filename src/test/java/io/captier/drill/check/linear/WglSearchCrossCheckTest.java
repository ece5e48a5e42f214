package io.captier.drill.check.linear;

import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Precondition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search, with its memo, its shortcuts for reads and its simplifications of pending
 * writes, must agree with the definition: some order of the operations that respects
 * real time and the register. Small random histories are checked both ways.
 *
 * <p>For compare-and-set the definition is spelt out here on its own terms, not with
 * {@link CasRegister}: every write has one version; a write whose version the history does
 * not give may have any version not given to another write; try every such assignment,
 * and for each every order.
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

    @Test
    void agreesWithAnExhaustiveSearchOnRandomSmallCompareAndSetHistories() {
        Random random = new Random(2025);
        int linearizable = 0;
        int linearizableWithCas = 0;
        int not = 0;
        for (int round = 0; round < 6000; round++) {
            List<RegisterOp> history = randomCasHistory(random, 2 + random.nextInt(6));
            boolean expected = anyVersionsLinearize(history);
            WglSearch.Verdict verdict = WglSearch.run(history, Budget.DEFAULT.start());
            assertEquals(expected ? WglSearch.Verdict.LINEARIZABLE : WglSearch.Verdict.NOT_LINEARIZABLE, verdict,
                    () -> "round with " + history);
            if (expected) {
                linearizable++;
                if (history.stream().anyMatch(op -> op.precondition() != null)) {
                    linearizableWithCas++;
                }
            } else {
                not++;
            }
        }
        assertTrue(linearizable > 1000 && not > 1000 && linearizableWithCas > 500,
                linearizable + " linearizable (" + linearizableWithCas + " with a condition or a 412), " + not + " not");
    }

    /**
     * Writes of values, some unique and some not, versions 11, 12, ... (some not given:
     * pending, or not recorded); reads of those values or of nothing; conditions and 412s naming those
     * versions or a version no write has (99). A 412 says what the contract says it says:
     * a version with "exists", none without. (A 412 that says nothing about a value whose
     * version is unknown is taken leniently by the search, see {@link CasRegister}: it
     * does not rule that version out. The definition here would, so none is generated.)
     */
    private static List<RegisterOp> randomCasHistory(Random random, int size) {
        List<RegisterOp> ops = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long call = random.nextInt(20);
            long ret = call + 1 + random.nextInt(8);
            int kind = random.nextInt(10);
            if (kind < 3) {
                int dice = random.nextInt(6);
                String value = dice < 2 ? null : dice == 2 ? "same" : "w" + random.nextInt(size);
                ops.add(new RegisterOp(null, true, value, call, ret));
            } else if (kind < 4) {
                Mismatch said = random.nextBoolean() ? new Mismatch(false, 0)
                        : new Mismatch(true, randomVersion(random, size));
                ops.add(new RegisterOp(null, RegisterOp.Kind.REFUSED, "r" + i, 0, randomCondition(random, size), said,
                        call, ret));
            } else {
                // Some writes share a value: then only the version tells their states apart.
                int dice = random.nextInt(10);
                String value = dice < 2 ? null : dice < 4 ? "same" : "w" + i;
                boolean pending = random.nextInt(4) == 0;
                long version = pending || random.nextInt(6) == 0 ? 0 : 11 + i;
                Precondition condition = random.nextInt(3) == 0 ? randomCondition(random, size) : null;
                ops.add(new RegisterOp(null, RegisterOp.Kind.WRITE, value, version, condition, null, call,
                        pending ? RegisterOp.NEVER : ret));
            }
        }
        return ops;
    }

    private static Precondition randomCondition(Random random, int size) {
        return switch (random.nextInt(4)) {
            case 0 -> Precondition.ifMatchAny();
            case 1 -> Precondition.ifNoneMatch();
            default -> Precondition.ifMatch(randomVersion(random, size));
        };
    }

    private static long randomVersion(Random random, int size) {
        return random.nextInt(6) == 0 ? 99 : 11 + random.nextInt(size);
    }

    /** Some assignment of versions to the writes without one lets some order explain everything. */
    private static boolean anyVersionsLinearize(List<RegisterOp> ops) {
        Set<Long> given = new HashSet<>();
        Set<Long> mentioned = new TreeSet<>(List.of(1000L)); // 1000: a version nobody names
        for (RegisterOp op : ops) {
            if (op.mutates() && op.version() != 0) {
                given.add(op.version());
            }
            if (op.precondition() != null && op.precondition().expectedVersion() != 0) {
                mentioned.add(op.precondition().expectedVersion());
            }
            if (op.mismatch() != null && op.mismatch().currentVersion() != 0) {
                mentioned.add(op.mismatch().currentVersion());
            }
        }
        mentioned.removeAll(given);
        List<Long> candidates = List.copyOf(mentioned);
        List<Integer> unversioned = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).mutates() && ops.get(i).version() == 0) {
                unversioned.add(i);
            }
        }
        int[] choice = new int[unversioned.size()];
        while (true) {
            long[] versions = new long[ops.size()];
            for (int i = 0; i < ops.size(); i++) {
                versions[i] = ops.get(i).version();
            }
            for (int j = 0; j < choice.length; j++) {
                versions[unversioned.get(j)] = candidates.get(choice[j]);
            }
            if (exhaustiveCas(ops, versions, new boolean[ops.size()], null, 0)) {
                return true;
            }
            int j = 0;
            while (j < choice.length && ++choice[j] == candidates.size()) {
                choice[j++] = 0;
            }
            if (j == choice.length) {
                return false;
            }
        }
    }

    /** Every order, with every write's version fixed: state is (value, version), value null for none. */
    private static boolean exhaustiveCas(List<RegisterOp> ops, long[] versions, boolean[] done, String value,
                                         long version) {
        boolean allDone = true;
        for (int i = 0; i < ops.size(); i++) {
            if (!done[i] && !(ops.get(i).pending() && ops.get(i).mutates())) {
                allDone = false;
            }
        }
        if (allDone) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            RegisterOp op = ops.get(i);
            if (done[i] || mustWait(ops, done, op)) {
                continue;
            }
            boolean holds = op.precondition() == null || switch (op.precondition().match()) {
                case VERSION -> value != null && version == op.precondition().expectedVersion();
                case ANY -> value != null;
                case NONE -> value == null;
            };
            boolean legal = switch (op.kind()) {
                case READ -> Objects.equals(op.value(), value);
                case WRITE -> holds;
                case REFUSED -> !holds && (op.mismatch() == null || op.mismatch().exists() == (value != null)
                        && (value == null || op.mismatch().currentVersion() == version));
            };
            if (!legal) {
                continue;
            }
            done[i] = true;
            boolean found = op.mutates() ? exhaustiveCas(ops, versions, done, op.value(), versions[i])
                    : exhaustiveCas(ops, versions, done, value, version);
            done[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
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
