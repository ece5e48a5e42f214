package io.captier.drill.history;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Everything a drill recorded: the clients' operations, the faults injected, when
 * service instances were deliberately down, and each key's final state read from
 * PostgreSQL after heal and reconciliation. Immutable, and saved as JSON by
 * {@link HistoryJson} so that a drill can be checked again later.
 *
 * <p>The final states should name every key the drill wrote: a key without one cannot
 * be judged for lost writes (the checker says so rather than passing it).
 */
public record History(List<Op> ops, List<NemesisEvent> nemesis, List<Downtime> downtimes,
                      Map<String, FinalState> finalStates) {

    public History {
        ops = KeyedOps.of(ops == null ? List.of() : ops);
        nemesis = nemesis == null ? List.of() : List.copyOf(nemesis);
        downtimes = downtimes == null ? List.of() : List.copyOf(downtimes);
        finalStates = finalStates == null ? Map.of() : Map.copyOf(finalStates);
    }

    public static History of(List<Op> ops) {
        return new History(ops, List.of(), List.of(), Map.of());
    }

    public History withFinalStates(List<FinalState> states) {
        Map<String, FinalState> byKey = new java.util.HashMap<>();
        states.forEach(s -> byKey.put(s.key(), s));
        return new History(ops, nemesis, downtimes, byKey);
    }

    public History withDowntimes(List<Downtime> windows) {
        return new History(ops, nemesis, windows, finalStates);
    }

    public History withNemesis(List<NemesisEvent> events) {
        return new History(ops, events, downtimes, finalStates);
    }

    public SortedSet<String> keys() {
        TreeSet<String> keys = new TreeSet<>();
        ops.forEach(op -> keys.add(op.key()));
        return keys;
    }

    /** The ops on one key, in the order they were sent. */
    public List<Op> opsOf(String key) {
        return ((KeyedOps) ops).on(key);
    }

    public Optional<FinalState> finalState(String key) {
        return Optional.ofNullable(finalStates.get(key));
    }

    /** Was the instance deliberately down at any moment of [fromMs, toMs]? */
    public boolean downDuring(String instance, long fromMs, long toMs) {
        return downtimes.stream().anyMatch(d -> d.instance().equals(instance) && d.overlaps(fromMs, toMs));
    }

    /** Was the instance still down when the final state was read (its own disk unreplayed)? */
    public boolean downAtEnd(String instance) {
        return downtimes.stream().anyMatch(d -> d.instance().equals(instance) && d.lastsToTheEnd());
    }

    /** The earliest invocation, epoch ms; 0 for no operations. */
    public long startMs() {
        return ((KeyedOps) ops).startMs();
    }

    /** The latest completion, epoch ms; 0 for no operations. */
    public long endMs() {
        return ((KeyedOps) ops).endMs();
    }
}
