package io.captier.drill.check.linear;

import io.captier.drill.Ops;
import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.captier.drill.check.linear.WglSearch.Verdict.LINEARIZABLE;
import static io.captier.drill.check.linear.WglSearch.Verdict.NOT_LINEARIZABLE;
import static io.captier.drill.history.Precondition.ifMatch;
import static io.captier.drill.history.Precondition.ifMatchAny;
import static io.captier.drill.history.Precondition.ifNoneMatch;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The search with compare-and-set (docs/architecture.md C5): a condition that held, a 412 that saw it
 * false, an unknown outcome either way. Versions are small numbers here; only equality
 * matters to a condition.
 */
class CasSearchTest {

    private final Ops ops = Ops.consistent();

    private static WglSearch.Verdict search(Op... history) {
        return WglSearch.run(RegisterHistory.of(List.of(history)), Budget.DEFAULT.start());
    }

    private static Mismatch holding(long version) {
        return new Mismatch(true, version);
    }

    private static final Mismatch NOTHING = new Mismatch(false, 0);

    // Histories that must pass.

    @Test
    void ofTwoConcurrentCompareAndSetsFromOneVersionOneWinsAndThe412ReportsTheWinner() {
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", ifMatch(10), "b", 20, 2, 6).build(),
                ops.refused("c3", "k", ifMatch(10), "c", holding(20), 3, 7).build(),
                ops.read("c1", "k", "b", 8, 9).build()));
    }

    @Test
    void the412MayHaveComeFirstAndSeenTheOldVersionOnlyIfItExpectedAnother() {
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", ifMatch(10), "b", 20, 2, 6).build(),
                ops.refused("c3", "k", ifMatch(5), "c", holding(10), 3, 7).build()));
    }

    @Test
    void anUnknownCompareAndSetThatApplied() {
        Op a = ops.write("c1", "k", "a", 10, 0, 1).build();
        Op unknown = ops.cas("c2", "k", ifMatch(10), "b", 0, 2, 3).unknown(0).build();
        assertEquals(LINEARIZABLE, search(a, unknown, ops.read("c3", "k", "b", 10, 11).build()));
        // A 412 may name the version its answer never told: the unknown write got it.
        assertEquals(LINEARIZABLE, search(a, unknown, ops.read("c3", "k", "b", 10, 11).build(),
                ops.refused("c3", "k", ifMatch(10), "c", holding(77), 12, 13).build()));
        assertEquals(LINEARIZABLE, search(a, unknown,
                ops.refused("c3", "k", ifMatch(10), "c", holding(77), 12, 13).build()),
                "a 412 alone shows that it applied");
    }

    @Test
    void anUnknownCompareAndSetThatDidNot() {
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", ifMatch(10), "b", 0, 2, 3).unknown(0).build(),
                ops.read("c3", "k", "a", 10, 11).build(),
                ops.refused("c3", "k", ifMatch(5), "c", holding(10), 12, 13).build()));
    }

    @Test
    void createOnlyWhereThereIsNoValueAbsentOrTombstone() {
        assertEquals(LINEARIZABLE, search(
                ops.cas("c1", "k", ifNoneMatch(), "a", 10, 0, 1).build(),
                ops.refused("c2", "k", ifNoneMatch(), "b", holding(10), 2, 3).build(),
                ops.casDelete("c1", "k", ifMatch(10), 20, 4, 5).build(),
                ops.refused("c2", "k", ifMatch(10), "c", NOTHING, 6, 7).build(),
                ops.refused("c2", "k", ifMatchAny(), "c", NOTHING, 6, 7).build(),
                ops.cas("c3", "k", ifNoneMatch(), "d", 30, 8, 9).build(),
                ops.read("c1", "k", "d", 10, 11).build()));
    }

    @Test
    void anUnknownDeleteMayBeWhatACreateFound() {
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.delete("c2", "k", 2, 3).unknown(0).build(),
                ops.cas("c3", "k", ifNoneMatch(), "b", 30, 8, 9).build()));
    }

    /**
     * Two concurrent writes of one value: the orders leave the same value at different
     * versions, and only one of them lets the compare-and-set apply. The search's memo must
     * tell the two states apart by version.
     */
    @Test
    void theMemoTellsStatesApartByVersion() {
        assertEquals(LINEARIZABLE, search(
                ops.write("c1", "k", "same", 13, 0, 5).build(),
                ops.write("c2", "k", "same", 14, 0, 5).build(),
                ops.cas("c3", "k", ifMatch(13), "x", 20, 6, 7).build()));
    }

    // Histories that must fail.

    @Test
    void twoSuccessfulCompareAndSetsFromTheSameVersion() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", ifMatch(10), "b", 20, 2, 5).build(),
                ops.cas("c3", "k", ifMatch(10), "c", 30, 3, 6).build()));
    }

    @Test
    void twoConcurrentCreatesThatBothSucceeded() {
        Op first = ops.cas("c1", "k", ifNoneMatch(), "a", 10, 0, 5).build();
        Op second = ops.cas("c2", "k", ifNoneMatch(), "b", 20, 1, 6).build();
        assertEquals(NOT_LINEARIZABLE, search(first, second), "whichever came second found a value");
        assertEquals(LINEARIZABLE, search(first, ops.delete("c3", "k", 2, 3).unknown(0).build(), second),
                "unless a delete of unknown outcome came between them");
    }

    @Test
    void aCompareAndSetThatSucceededAfterACompletedWriteChangedTheVersion() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.write("c2", "k", "b", 20, 2, 3).build(),
                ops.cas("c3", "k", ifMatch(10), "c", 30, 4, 5).build()));
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.write("c2", "k", "b", 0, 2, 3).build(),
                ops.cas("c3", "k", ifMatch(10), "c", 30, 4, 5).build()),
                "even when that write's version was not recorded: 10 is another write's");
    }

    @Test
    void a412ReportingAVersionTheKeyNeverHadWithinItsInterval() {
        Op a = ops.write("c1", "k", "a", 10, 0, 1).build();
        Op b = ops.write("c2", "k", "b", 20, 2, 3).build();
        assertEquals(NOT_LINEARIZABLE, search(a, b,
                ops.refused("c3", "k", ifMatch(5), "c", holding(10), 4, 5).build()), "10 was gone before it was sent");
        assertEquals(NOT_LINEARIZABLE, search(a, b,
                ops.refused("c3", "k", ifMatch(5), "c", holding(15), 4, 5).build()), "no write had 15");
        assertEquals(LINEARIZABLE, search(a, b, ops.write("c4", "k", "d", 3, 4).unknown(0).build(),
                ops.refused("c3", "k", ifMatch(5), "c", holding(15), 4, 5).build()),
                "unless a write of unknown outcome may have been given 15");
        assertEquals(NOT_LINEARIZABLE, search(a, b,
                ops.refused("c3", "k", ifMatch(5), "c", NOTHING, 4, 5).build()), "the key held a value");
    }

    @Test
    void a412WhoseConditionHeldThroughout() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.refused("c3", "k", ifMatch(10), "c", holding(10), 2, 3).build()));
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.refused("c3", "k", ifMatch(10), "c", null, 2, 3).build()), "even when the answer said nothing");
        assertEquals(NOT_LINEARIZABLE, search(
                ops.refused("c3", "k", ifNoneMatch(), "c", NOTHING, 2, 3).build()), "a create refused on no value");
    }

    @Test
    void aSuccessfulCreateWhileTheKeyHeldAValue() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", ifNoneMatch(), "b", 20, 2, 3).build()));
    }

    @Test
    void aStaleReadAfterAnAcknowledgedCompareAndSet() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.cas("c2", "k", ifMatch(10), "b", 20, 2, 3).build(),
                ops.read("c3", "k", "a", 4, 5).build()));
    }

    @Test
    void anUnknownCompareAndSetWhoseConditionCouldNotHoldNeverApplied() {
        assertEquals(NOT_LINEARIZABLE, search(
                ops.write("c1", "k", "a", 10, 0, 1).build(),
                ops.write("c2", "k", "b", 20, 2, 3).build(),
                ops.cas("c3", "k", ifMatch(10), "c", 0, 4, 5).unknown(0).build(),
                ops.read("c4", "k", "c", 6, 7).build()));
    }

    @Test
    void aRefusedCompareAndSetNeverApplied() {
        Op a = ops.write("c1", "k", "a", 10, 0, 1).build();
        assertEquals(NOT_LINEARIZABLE, search(a,
                ops.refused("c2", "k", ifMatch(5), "c", holding(10), 2, 3).build(),
                ops.read("c4", "k", "c", 6, 7).build()), "a 412");
        assertEquals(NOT_LINEARIZABLE, search(a,
                ops.cas("c2", "k", ifMatch(10), "c", 0, 2, 3).failed(503).build(),
                ops.read("c4", "k", "c", 6, 7).build()), "a 503 not-applied");
    }

    @Test
    void onceA412FixedAnUnknownVersionAnotherCannotSeeADifferentOne() {
        Op a = ops.write("c1", "k", "a", 10, 0, 1).build();
        Op unknown = ops.write("c2", "k", "b", 2, 3).unknown(0).build();
        assertEquals(NOT_LINEARIZABLE, search(a, unknown,
                ops.refused("c3", "k", ifMatch(10), "c", holding(77), 4, 5).build(),
                ops.refused("c3", "k", ifMatch(10), "c", holding(78), 6, 7).build()));
        assertEquals(LINEARIZABLE, search(a, unknown,
                ops.refused("c3", "k", ifMatch(10), "c", holding(77), 4, 5).build(),
                ops.cas("c3", "k", ifMatch(77), "d", 90, 6, 7).build()), "the version it named is the one to match");
        assertEquals(NOT_LINEARIZABLE, search(a, unknown,
                ops.refused("c3", "k", ifMatch(10), "c", holding(77), 4, 5).build(),
                ops.cas("c3", "k", ifMatch(78), "d", 90, 6, 7).build()));
    }
}
