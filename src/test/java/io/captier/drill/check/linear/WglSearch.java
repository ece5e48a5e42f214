package io.captier.drill.check.linear;

import io.captier.drill.history.Precondition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Is a single-key register history linearizable? The Wing-Gong search as improved by
 * Lowe ("Testing for linearizability", 2017): walk the history's call and return events
 * in time order; at a call, try to linearize that operation now (if the register allows
 * it), remove it and start again from the first event; at a return of an operation not
 * yet linearized, backtrack. A set of configurations (operations linearized so far, register
 * state) already explored is kept, so no configuration is searched twice: that memo is what
 * turns the exponential search into one that is fast on real histories.
 *
 * <p>The register is the compare-and-set register of {@link CasRegister}: it starts with no
 * value; a read must observe the state's value; a write sets value and version, where its
 * precondition (if any) holds; a 412 must find its precondition false and the state as
 * it reported. The memo's state is that {@link CasRegister.State}, value <em>and</em>
 * version: every decision depends on nothing else (a read on the value, a condition or a
 * 412 on whether there is a value and its version), so two configurations with the same
 * operations linearized and the same state have the same futures. A 412 that fixes an
 * unknown version leaves a different state, so it is a different configuration.
 *
 * <p>A write whose outcome is unknown need not be linearized at all: the search is done
 * when every other operation is. That also makes a configuration that has linearized more
 * of those optional writes, with the same others and the same state, no better than one
 * explored already: any way on from it is a way on from the other (leave the extra ones
 * out). The memo skips such dominated configurations too; without that, every optional
 * write that was placed and then overwritten would double the configurations to search.
 */
public final class WglSearch {

    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        BUDGET_EXCEEDED
    }

    private WglSearch() {
    }

    public static Verdict run(List<RegisterOp> history, Budget.Meter meter) {
        // The known versions come from the whole history: simplifying must not forget any.
        CasRegister register = CasRegister.of(history);
        return new Search(RegisterHistory.simplified(history, register), register).run(meter);
    }

    /** The call and return events in real-time order, as a doubly linked list behind a head. */
    private static Event events(List<RegisterOp> ops) {
        List<Event> events = new ArrayList<>(ops.size() * 2);
        for (int i = 0; i < ops.size(); i++) {
            Event call = new Event(i, true, ops.get(i).call());
            Event ret = new Event(i, false, ops.get(i).ret());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        // A call at the same instant as a return counts as concurrent with it: the clock
        // cannot tell which came first, and the checker must not invent an order.
        events.sort(Comparator.comparingLong((Event e) -> e.time).thenComparing(e -> !e.call)
                .thenComparingInt(e -> e.op));
        Event head = new Event(-1, false, Long.MIN_VALUE);
        Event last = head;
        for (Event e : events) {
            last.next = e;
            e.prev = last;
            last = e;
        }
        return head;
    }

    private record Configuration(BitSet linearized, CasRegister.State state) {
    }

    /** One choice on the current path; {@code forced} when it was an observation taken without alternatives. */
    private record Step(Event call, CasRegister.State stateBefore, boolean forced, boolean optionalPass) {
    }

    private static final class Search {
        private final List<RegisterOp> ops;
        private final CasRegister register;
        private final Event head;
        /** Per (required operations linearized, state): the sets of optional ones linearized with it. */
        private final Map<Configuration, List<BitSet>> explored = new HashMap<>();
        /** The operations that may be left out (writes whose outcome is unknown). */
        private final BitSet optional;
        /** Per optional write: the operations that could be linearized right after it. */
        private final int[][] observers;
        /** Per optional write: the one before it, in call order, that no operation tells apart from it; else -1. */
        private final int[] sameBefore;
        private final Deque<Step> path = new ArrayDeque<>();
        private final BitSet linearized;
        private CasRegister.State state = CasRegister.State.NO_VALUE;
        private Event event;
        /**
         * Whether the walk over the operations that may be linearized now is trying the
         * optional writes. It tries the others first: then a configuration without an
         * optional write is explored before the same one with it, which the memo then skips
         * as dominated, instead of the other way round.
         */
        private boolean optionalPass;
        /** Operations that must still be linearized (every one but the optional writes). */
        private int required;

        Search(List<RegisterOp> ops, CasRegister register) {
            this.ops = ops;
            this.register = register;
            this.head = events(ops);
            this.linearized = new BitSet(ops.size());
            this.optional = new BitSet(ops.size());
            for (int i = 0; i < ops.size(); i++) {
                if (ops.get(i).optional()) {
                    optional.set(i);
                }
            }
            this.required = ops.size() - optional.cardinality();
            this.observers = new int[ops.size()][];
            for (int w = optional.nextSetBit(0); w >= 0; w = optional.nextSetBit(w + 1)) {
                RegisterOp write = ops.get(w);
                List<Integer> seers = new ArrayList<>();
                for (int o = 0; o < ops.size(); o++) {
                    RegisterOp op = ops.get(o);
                    if (o != w && op.constrained() && op.ret() >= write.call() && register.couldFollow(op, write)) {
                        seers.add(o);
                    }
                }
                observers[w] = seers.stream().mapToInt(Integer::intValue).toArray();
            }
            this.sameBefore = sameBefore(ops, optional);
        }

        /**
         * What makes two optional writes interchangeable: the same condition, and the same
         * state after them as far as anyone can tell. Only reads look at values, so two
         * writes of values no read returned (or two deletes) leave states no operation tells
         * apart unless their versions differ.
         */
        private record Kind(boolean delete, String valueRead, long version, Precondition precondition) {
        }

        private static int[] sameBefore(List<RegisterOp> ops, BitSet optional) {
            Set<String> readValues = new HashSet<>();
            ops.stream().filter(RegisterOp::read).forEach(op -> readValues.add(String.valueOf(op.value())));
            List<Integer> byCall = optional.stream().boxed()
                    .sorted(Comparator.comparingLong((Integer i) -> ops.get(i).call()).thenComparingInt(i -> i)).toList();
            Map<Kind, Integer> last = new HashMap<>();
            int[] before = new int[ops.size()];
            Arrays.fill(before, -1);
            for (int i : byCall) {
                RegisterOp op = ops.get(i);
                boolean delete = op.value() == null;
                String valueRead = !delete && readValues.contains(op.value()) ? op.value() : null;
                Integer previous = last.put(new Kind(delete, valueRead, delete ? 0 : op.version(), op.precondition()), i);
                before[i] = previous == null ? -1 : previous;
            }
            return before;
        }

        Verdict run(Budget.Meter meter) {
            event = head.next;
            boolean fresh = true;
            while (required > 0) {
                if (!meter.tick()) {
                    return Verdict.BUDGET_EXCEEDED;
                }
                if (fresh) {
                    fresh = false;
                    Event observation = unchangingObservationAtFrontier();
                    if (observation != null) {
                        // Lowe's just-in-time idea for reads, and for 412s that fix nothing:
                        // an observation the register allows now, leaving the state as it is,
                        // can be linearized now without loss (it changes no state, and
                        // everything that had to precede it has been linearized). If that
                        // fails, so does this whole configuration: no other choice is tried here.
                        if (linearize(observation, state, true)) {
                            fresh = true;
                        } else if (!backtrack()) {
                            return Verdict.NOT_LINEARIZABLE;
                        }
                        continue;
                    }
                }
                if (event == null || !event.call && !ops.get(event.op).optional()) {
                    if (!optionalPass) {
                        // Every other choice here was tried: now the optional writes, from the start.
                        optionalPass = true;
                        event = head.next;
                    } else if (!backtrack()) {
                        // An operation returned before we found a place for it, and no choice is left.
                        return Verdict.NOT_LINEARIZABLE;
                    }
                } else if (event.call) {
                    RegisterOp op = ops.get(event.op);
                    CasRegister.State next = op.optional() != optionalPass
                            || op.optional() && (!firstOfItsKind(event.op) || !useful(event.op))
                            ? null : register.step(state, op);
                    if (next != null && linearize(event, next, false)) {
                        fresh = true;
                    } else {
                        event = event.next;
                    }
                } else {
                    // The end of a write that may never have happened: nothing had to precede it.
                    event = event.next;
                }
            }
            return Verdict.LINEARIZABLE;
        }

        /** Linearize this call now, leaving {@code next}, unless that configuration was explored before. */
        private boolean linearize(Event call, CasRegister.State next, boolean forced) {
            linearized.set(call.op);
            if (!firstVisit(next)) {
                linearized.clear(call.op);
                return false;
            }
            path.push(new Step(call, state, forced, optionalPass));
            state = next;
            optionalPass = false;
            call.lift();
            if (!ops.get(call.op).optional()) {
                required--;
            }
            event = head.next;
            return true;
        }

        /**
         * Is optional write {@code w} the first of its kind not linearized yet? Placing a later
         * one of the same kind where an earlier one could stand instead (it was sent no later,
         * so it may take effect wherever the later one may) leads to the same states; trying
         * only the first keeps the search from trying every choice among interchangeable
         * unknown deletes, say, each time one is needed.
         */
        private boolean firstOfItsKind(int w) {
            return sameBefore[w] < 0 || linearized.get(sameBefore[w]);
        }

        /**
         * Could placing optional write {@code w} now make a difference? Only if something that
         * must still be linearized could come right after it, or an optional compare-and-set
         * that could, and that could make a difference itself. Otherwise whatever follows it
         * is a plain write, and the configuration that leaves is the same as placing that
         * write without it: dominated, so trying it would only cost steps.
         */
        private boolean useful(int w) {
            BitSet visiting = new BitSet();
            visiting.set(w);
            return useful(w, visiting);
        }

        private boolean useful(int w, BitSet visiting) {
            for (int o : observers[w]) {
                if (linearized.get(o)) {
                    continue;
                }
                if (!optional.get(o)) {
                    return true;
                }
                if (!visiting.get(o)) {
                    visiting.set(o);
                    if (useful(o, visiting)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /**
         * Records the configuration of {@code linearized} and {@code next}; false when it, or
         * one it is dominated by (the same but with fewer optional writes linearized), was
         * explored before. Such a configuration has failed or is being explored on the current
         * path, and either way its ways on include all of this one's.
         */
        private boolean firstVisit(CasRegister.State next) {
            BitSet requiredDone = (BitSet) linearized.clone();
            requiredDone.andNot(optional);
            BitSet optionalDone = (BitSet) linearized.clone();
            optionalDone.and(optional);
            List<BitSet> before = explored.computeIfAbsent(new Configuration(requiredDone, next),
                    c -> new ArrayList<>(1));
            for (BitSet earlier : before) {
                if (subset(earlier, optionalDone)) {
                    return false;
                }
            }
            // Those with more optional writes than this one are dominated by it from now on.
            before.removeIf(earlier -> subset(optionalDone, earlier));
            before.add(optionalDone);
            return true;
        }

        private static boolean subset(BitSet small, BitSet big) {
            for (int i = small.nextSetBit(0); i >= 0; i = small.nextSetBit(i + 1)) {
                if (!big.get(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Undo the last choice that had alternatives; false when none is left. */
        private boolean backtrack() {
            while (!path.isEmpty()) {
                Step undo = path.pop();
                state = undo.stateBefore;
                linearized.clear(undo.call.op);
                undo.call.unlift();
                if (!ops.get(undo.call.op).optional()) {
                    required++;
                }
                if (!undo.forced) {
                    event = undo.call.next;
                    optionalPass = undo.optionalPass;
                    return true;
                }
            }
            return false;
        }

        /**
         * A read or 412 that may be linearized now (called, nothing pending returned before
         * it) and leaves the state exactly as it is; null when there is none. A 412 that would
         * fix an unknown version is left to the ordinary search: fixing it now could rule out
         * a condition a later operation needs.
         */
        private Event unchangingObservationAtFrontier() {
            for (Event e = head.next; e != null && e.call; e = e.next) {
                RegisterOp op = ops.get(e.op);
                if (op.observes() && state.equals(register.step(state, op))) {
                    return e;
                }
            }
            return null;
        }
    }

    private static final class Event {
        final int op;
        final boolean call;
        final long time;
        Event match;
        Event prev;
        Event next;

        Event(int op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }

        /** Take this call and its return out of the list (dancing links: they remember their place). */
        void lift() {
            unlink();
            match.unlink();
        }

        /** Put them back; undone in the reverse order of {@link #lift}, so the links are exact. */
        void unlift() {
            match.relink();
            relink();
        }

        private void unlink() {
            prev.next = next;
            if (next != null) {
                next.prev = prev;
            }
        }

        private void relink() {
            prev.next = this;
            if (next != null) {
                next.prev = this;
            }
        }
    }
}
