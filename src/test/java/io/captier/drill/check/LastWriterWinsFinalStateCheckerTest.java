package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.history.Downtime;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Durability;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LastWriterWinsFinalStateCheckerTest {

    private final Ops ops = Ops.available();
    private final LastWriterWinsFinalStateChecker checker = new LastWriterWinsFinalStateChecker();

    private List<Violation> check(List<Op> history, FinalState state, Downtime... downtimes) {
        return checker.check(History.of(history).withDowntimes(List.of(downtimes)).withFinalStates(List.of(state)));
    }

    /** Buffered on instance 1 at version 30, then committed through instance 2 at version 20: 30 wins. */
    private List<Op> bufferedThenCommitted() {
        return List.of(
                ops.write("c1", "k", "late-clock", 0, 1).assigned(30, Durability.REPLICATED_BUFFER).build(),
                ops.write("c2", "k", "committed", 5, 6).instance("available-2").assigned(20, Durability.PRIMARY).build());
    }

    @Test
    void theHighestAcknowledgedVersionWinsWhateverTheOrderOfAcknowledgement() {
        assertEquals(List.of(), check(bufferedThenCommitted(), FinalState.of("k", "late-clock", 30, "available-1")));
    }

    @Test
    void aFinalStateOlderThanAnAcknowledgedWriteIsALoss() {
        List<Violation> found = check(bufferedThenCommitted(), FinalState.of("k", "committed", 20, "available-2"));
        assertEquals(1, found.size());
        assertEquals("late-clock", found.get(0).ops().get(0).value());
        assertTrue(found.get(0).message().contains("lost"), found.get(0).message());
    }

    @Test
    void aRetryTakenBlindIsOneWriteAtEitherOfItsVersions() {
        // Committed through instance 2, retried anyway on instance 1, which could see no store: 202 local.
        List<Op> history = List.of(
                ops.write("c1", "k", "x", 0, 1).instance("available-2").idempotencyKey("c1-w1")
                        .assigned(20, Durability.PRIMARY).build(),
                ops.write("c1", "k", "x", 2, 3).idempotencyKey("c1-w1").assigned(30, Durability.LOCAL).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "x", 20, "available-2")), "the retry was skipped");
        assertEquals(List.of(), check(history, FinalState.of("k", "x", 30, "available-1")), "the retry got there first");
        assertEquals(1, check(history, FinalState.absent("k")).size(), "neither attempt applied: lost");
        assertEquals(1, check(history, FinalState.of("k", "x", 10, "available-2")).size(), "older than both: lost");

        // Buffered first at 20, committed on the primary at 30 by a retry: the commit is in PostgreSQL.
        List<Op> committedLater = List.of(
                ops.write("c1", "k", "x", 0, 1).idempotencyKey("c1-w1").assigned(20, Durability.REPLICATED_BUFFER).build(),
                ops.write("c1", "k", "x", 2, 3).instance("available-2").idempotencyKey("c1-w1")
                        .assigned(30, Durability.PRIMARY).build(),
                ops.write("c2", "k", "y", 4, 5).assigned(25, Durability.LOCAL).build());
        assertEquals(1, check(committedLater, FinalState.of("k", "y", 25, "available-1")).size(),
                "a row older than the primary's commit: the commit was lost");
        assertEquals(List.of(), check(committedLater, FinalState.of("k", "x", 30, "available-2")));
    }

    @Test
    void noRowAtAllAfterAcknowledgedWritesIsALoss() {
        assertEquals(1, check(bufferedThenCommitted(), FinalState.absent("k")).size());
    }

    @Test
    void theWinningVersionWithOtherContentIsWrong() {
        assertEquals(1, check(bufferedThenCommitted(), FinalState.of("k", "committed", 30, "available-1")).size());
        assertEquals(1, check(bufferedThenCommitted(), FinalState.tombstone("k", 30, "available-1")).size());
    }

    @Test
    void aTieOnVersionGoesToTheGreaterOrigin() {
        List<Op> history = List.of(
                ops.write("c1", "k", "one", 0, 1).assigned(30, Durability.LOCAL).build(),
                ops.write("c2", "k", "two", 0, 1).instance("available-2").assigned(30, Durability.LOCAL).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "two", 30, "available-2")));
        assertEquals(1, check(history, FinalState.of("k", "one", 30, "available-1")).size());
    }

    @Test
    void aNewerFinalStateNeedsAWriteOfUnknownOutcomeToExplainIt() {
        Op acknowledged = ops.write("c1", "k", "a", 0, 1).assigned(10, Durability.PRIMARY).build();
        FinalState newer = FinalState.of("k", "b", 40, "available-2");
        Op unknownB = ops.write("c2", "k", "b", 2, 3).instance("available-2").unknown(0).build();
        assertEquals(List.of(), check(List.of(acknowledged, unknownB), newer));

        Op failedB = ops.write("c2", "k", "b", 2, 3).instance("available-2").failed(503).build();
        assertEquals(1, check(List.of(acknowledged, failedB), newer).size(), "a failed write did not apply");
        Op unknownElsewhere = ops.write("c2", "k", "b", 2, 3).instance("available-3").unknown(0).build();
        assertEquals(1, check(List.of(acknowledged, unknownElsewhere), newer).size(),
                "another instance would have issued another origin");
        assertEquals(1, check(List.of(acknowledged), newer).size(), "nobody wrote b");
    }

    @Test
    void aLocalWriteStrandedOnAnInstanceThatNeverCameBackIsNotCountedAsLost() {
        List<Op> history = List.of(
                ops.write("c1", "k", "a", 0, 1).instance("available-2").assigned(10, Durability.PRIMARY).build(),
                ops.write("c1", "k", "b", 2, 3).assigned(20, Durability.LOCAL).build());
        FinalState onlyA = FinalState.of("k", "a", 10, "available-2");
        assertEquals(List.of(), check(history, onlyA, Downtime.untilEnd("available-1", 100)));
        assertEquals(1, check(history, onlyA, new Downtime("available-1", 100, 200)).size(),
                "it came back, so it must have drained its hint log");
        assertEquals(List.of(), check(history, FinalState.of("k", "b", 20, "available-1"),
                Downtime.untilEnd("available-1", 100)), "it may also have drained it before dying");
    }

    @Test
    void aReplayOfTheWinningWriteIsTheSameWrite() {
        Op first = ops.write("c1", "k", "a", 0, 1).idempotencyKey("c1-w1").unknown(0).build();
        Op replay = ops.write("c1", "k", "a", 2, 3).instance("available-2").idempotencyKey("c1-w1")
                .assigned(30, Durability.REPLICATED_BUFFER).origin("available-1").replayed(true).build();
        Op older = ops.write("c2", "k", "b", 0, 1).instance("available-2").assigned(20, Durability.PRIMARY).build();
        assertEquals(List.of(), check(List.of(first, replay, older), FinalState.of("k", "a", 30, "available-1")));
        assertEquals(1, check(List.of(first, replay, older), FinalState.of("k", "a", 30, "available-2")).size(),
                "the row must carry the first attempt's origin, not the replaying instance's");
    }

    @Test
    void aLocalWriteStrandedOnItsOriginStaysStrandedWhenAnotherInstanceReplayedIt() {
        // Taken by available-1 into its hint log; the retry, answered by available-2, repeats that answer.
        Op committed = ops.write("c0", "k", "a", 0, 1).instance("available-2").assigned(10, Durability.PRIMARY).build();
        Op local = ops.write("c1", "k", "b", 2, 3).idempotencyKey("c1-w1").assigned(20, Durability.LOCAL).build();
        Op replay = ops.write("c1", "k", "b", 4, 5).instance("available-2").idempotencyKey("c1-w1")
                .assigned(20, Durability.LOCAL).origin("available-1").replayed(true).build();
        FinalState onlyA = FinalState.of("k", "a", 10, "available-2");
        assertEquals(List.of(), check(List.of(committed, local, replay), onlyA, Downtime.untilEnd("available-1", 100)),
                "available-1 never came back; available-2 holds nothing of it");
        assertEquals(1, check(List.of(committed, local, replay), onlyA, Downtime.untilEnd("available-2", 100)).size(),
                "available-1 came back, so it must have drained its hint log");
    }

    @Test
    void aDeleteWinsAsATombstone() {
        List<Op> history = List.of(ops.write("c1", "k", "a", 0, 1).assigned(10, Durability.PRIMARY).build(),
                ops.delete("c1", "k", 2, 3).assigned(20, Durability.REPLICATED_BUFFER).build());
        assertEquals(List.of(), check(history, FinalState.tombstone("k", 20, "available-1")));
        assertEquals(1, check(history, FinalState.absent("k")).size(), "the tombstone itself was lost");
    }
}
