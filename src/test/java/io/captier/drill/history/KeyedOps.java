package io.captier.drill.history;

import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.stream.Collectors;

/**
 * A history's operations, immutable, with each key's operations in the order they were sent
 * built once on first use. The checkers ask for one key's operations per key, and a drill with
 * keys written once has tens of thousands of keys: a scan per key made a one-hour soak's
 * check take about as long as the soak.
 */
final class KeyedOps extends AbstractList<Op> implements RandomAccess {

    private final List<Op> ops;
    private volatile Map<String, List<Op>> byKey;

    private KeyedOps(List<Op> ops) {
        this.ops = ops;
    }

    /** {@code ops} itself when it is one already (its index is shared), else an immutable copy. */
    static KeyedOps of(List<Op> ops) {
        return ops instanceof KeyedOps keyed ? keyed : new KeyedOps(List.copyOf(ops));
    }

    /** The operations on {@code key}, in the order they were sent; empty for a key never used. */
    List<Op> on(String key) {
        Map<String, List<Op>> index = byKey;
        if (index == null) {
            index = ops.stream().sorted(Op.SENT_ORDER)
                    .collect(Collectors.groupingBy(Op::key, Collectors.toUnmodifiableList()));
            byKey = index;
        }
        return index.getOrDefault(key, List.of());
    }

    @Override
    public Op get(int index) {
        return ops.get(index);
    }

    @Override
    public int size() {
        return ops.size();
    }
}
