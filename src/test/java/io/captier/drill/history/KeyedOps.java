package io.captier.drill.history;

import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.stream.Collectors;

/**
 * A history's operations, immutable, with each key's operations in the order they were sent
 * built once on first use, and the history's first invocation and last completion found once.
 * The checkers ask for one key's operations per key, and for the history's end per
 * idempotency group, and a drill with keys written once has tens of thousands of keys: a scan
 * per key made a one-hour soak's check take about as long as the soak.
 */
final class KeyedOps extends AbstractList<Op> implements RandomAccess {

    private final List<Op> ops;
    private final long startMs;
    private final long endMs;
    private volatile Map<String, List<Op>> byKey;

    private KeyedOps(List<Op> ops) {
        this.ops = ops;
        this.startMs = ops.stream().mapToLong(Op::invokeMs).min().orElse(0);
        this.endMs = ops.stream().mapToLong(Op::completeMs).max().orElse(0);
    }

    /** The earliest invocation, epoch ms; 0 for no operations. */
    long startMs() {
        return startMs;
    }

    /** The latest completion, epoch ms; 0 for no operations. */
    long endMs() {
        return endMs;
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
