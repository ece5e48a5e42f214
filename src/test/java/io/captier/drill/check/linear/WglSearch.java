package io.captier.drill.check.linear;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
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
 * <p>The register starts absent (null). A read is legal when it observes the current state;
 * a write is always legal and sets it.
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
        return new Search(RegisterHistory.simplified(history)).run(meter);
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

    private record Configuration(BitSet linearized, String state) {
    }

    /** One choice on the current path; {@code forced} when it was a read taken without alternatives. */
    private record Step(Event call, String stateBefore, boolean forced) {
    }

    private static final class Search {
        private final List<RegisterOp> ops;
        private final Event head;
        private final Set<Configuration> explored = new HashSet<>();
        private final Deque<Step> path = new ArrayDeque<>();
        private final BitSet linearized;
        private String state;
        private Event event;

        Search(List<RegisterOp> ops) {
            this.ops = ops;
            this.head = events(ops);
            this.linearized = new BitSet(ops.size());
        }

        Verdict run(Budget.Meter meter) {
            event = head.next;
            boolean fresh = true;
            while (head.next != null) {
                if (!meter.tick()) {
                    return Verdict.BUDGET_EXCEEDED;
                }
                if (fresh) {
                    fresh = false;
                    Event read = legalReadAtFrontier();
                    if (read != null) {
                        // Lowe's just-in-time idea for reads: a read the register allows now can
                        // be linearized now without loss (it changes no state, and everything
                        // that had to precede it has been linearized). If that fails, so does
                        // this whole configuration: no other choice is tried here.
                        if (linearize(read, true)) {
                            fresh = true;
                        } else if (!backtrack()) {
                            return Verdict.NOT_LINEARIZABLE;
                        }
                        continue;
                    }
                }
                if (event.call) {
                    if (legal(ops.get(event.op)) && linearize(event, false)) {
                        fresh = true;
                    } else {
                        event = event.next;
                    }
                } else if (!backtrack()) {
                    // An operation returned before we found a place for it, and no choice is left.
                    return Verdict.NOT_LINEARIZABLE;
                }
            }
            return Verdict.LINEARIZABLE;
        }

        private boolean legal(RegisterOp op) {
            return !op.read() || Objects.equals(op.value(), state);
        }

        /** Linearize this call now, unless that configuration was explored before. */
        private boolean linearize(Event call, boolean forced) {
            RegisterOp op = ops.get(call.op);
            String next = op.read() ? state : op.value();
            linearized.set(call.op);
            if (!explored.add(new Configuration((BitSet) linearized.clone(), next))) {
                linearized.clear(call.op);
                return false;
            }
            path.push(new Step(call, state, forced));
            state = next;
            call.lift();
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
                if (!undo.forced) {
                    event = undo.call.next;
                    return true;
                }
            }
            return false;
        }

        /** A read that may be linearized now (called, nothing pending returned before it) and is legal. */
        private Event legalReadAtFrontier() {
            for (Event e = head.next; e != null && e.call; e = e.next) {
                RegisterOp op = ops.get(e.op);
                if (op.read() && Objects.equals(op.value(), state)) {
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
