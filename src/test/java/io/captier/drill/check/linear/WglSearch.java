package io.captier.drill.check.linear;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
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
 * when every other operation is.
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
    private record Step(Event call, CasRegister.State stateBefore, boolean forced) {
    }

    private static final class Search {
        private final List<RegisterOp> ops;
        private final CasRegister register;
        private final Event head;
        private final Set<Configuration> explored = new HashSet<>();
        private final Deque<Step> path = new ArrayDeque<>();
        private final BitSet linearized;
        private CasRegister.State state = CasRegister.State.NO_VALUE;
        private Event event;
        /** Operations that must still be linearized (every one but the optional writes). */
        private int required;

        Search(List<RegisterOp> ops, CasRegister register) {
            this.ops = ops;
            this.register = register;
            this.head = events(ops);
            this.linearized = new BitSet(ops.size());
            this.required = (int) ops.stream().filter(op -> !op.optional()).count();
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
                    if (!backtrack()) {
                        // An operation returned before we found a place for it, and no choice is left.
                        return Verdict.NOT_LINEARIZABLE;
                    }
                } else if (event.call) {
                    CasRegister.State next = register.step(state, ops.get(event.op));
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
            if (!explored.add(new Configuration((BitSet) linearized.clone(), next))) {
                linearized.clear(call.op);
                return false;
            }
            path.push(new Step(call, state, forced));
            state = next;
            call.lift();
            if (!ops.get(call.op).optional()) {
                required--;
            }
            event = head.next;
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
