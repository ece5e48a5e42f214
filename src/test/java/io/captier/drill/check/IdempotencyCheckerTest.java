package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.history.Downtime;
import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.NemesisEvent;
import io.captier.drill.history.Op;
import io.captier.mode.Durability;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdempotencyCheckerTest {

    private static final String ONE = "available-1";
    private static final String TWO = "available-2";
    private static final String KEY = "c1-w1";

    private final Ops ops = Ops.available();
    private final IdempotencyChecker checker = new IdempotencyChecker();

    private List<Violation> check(List<Op> history, FinalState... state) {
        return checker.check(History.of(history).withFinalStates(List.of(state)));
    }

    /** An attempt of the logical write 'x' (idempotency key c1-w1) sent to {@code instance} at {@code at}. */
    private Op.Builder attempt(String instance, long at) {
        return ops.write("c1", "k", "x", at, at + 1).instance(instance).idempotencyKey(KEY);
    }

    private Op.Builder deleteAttempt(String instance, long at) {
        return ops.delete("c1", "k", at, at + 1).instance(instance).idempotencyKey(KEY);
    }

    private Op.Builder read(String value, long version, long at) {
        return ops.read("r", "k", value, at, at + 1).instance(TWO).returned(value, version, "redis-replica", 5);
    }

    @Test
    void aRetryAnsweredByAnotherInstanceWithTheFirstAttemptsOriginIsOneWrite() {
        List<Op> history = List.of(
                attempt(ONE, 0).unknown(0).build(),
                attempt(TWO, 10).ok(202).assigned(100, Durability.REPLICATED_BUFFER).origin(ONE).replayed(true).build(),
                read("x", 100, 20).build(),
                attempt(ONE, 30).ok(202).assigned(100, Durability.REPLICATED_BUFFER).replayed(true).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "x", 100, ONE)));
    }

    @Test
    void anAcknowledgedWriteRetriedAnywayGetsTheSameAnswer() {
        List<Op> history = List.of(
                attempt(ONE, 0).ok(200).assigned(100, Durability.PRIMARY).build(),
                attempt(TWO, 10).ok(200).assigned(100, Durability.PRIMARY).origin(ONE).replayed(true).build(),
                ops.write("c2", "k", "y", 20, 21).instance(TWO).assigned(200, Durability.PRIMARY).build(),
                read("x", 100, 15).build(),
                read("y", 200, 25).build());
        assertEquals(List.of(), check(history, FinalState.of("k", "y", 200, TWO)),
                "a later write wins, and the retry changed nothing");
    }

    @Test
    void aGroupWithOnlyFailedOrUnknownAttemptsNeedsOneVersionAtMost() {
        List<Op> neverApplied = List.of(
                attempt(ONE, 0).unknown(0).build(),
                attempt(TWO, 10).failed(503).problem("urn:captier:problem:unavailable").build(),
                attempt(ONE, 20).unknown(503).build());
        assertEquals(List.of(), check(neverApplied, FinalState.absent("k")));

        List<Op> appliedOnce = new ArrayList<>(neverApplied);
        appliedOnce.add(read("x", 100, 30).build());
        appliedOnce.add(read("x", 100, 40).build());
        assertEquals(List.of(), check(appliedOnce, FinalState.of("k", "x", 100, ONE)),
                "one of the unknown attempts applied, once");
    }

    @Test
    void aDeleteRetriedIsOneTombstone() {
        List<Op> history = List.of(
                ops.write("c2", "k", "y", -20, -19).assigned(50, Durability.PRIMARY).build(),
                deleteAttempt(ONE, 0).unknown(0).build(),
                deleteAttempt(TWO, 10).ok(202).assigned(100, Durability.REPLICATED_BUFFER).origin(ONE).replayed(true)
                        .build(),
                read(null, 100, 20).build());
        assertEquals(List.of(), check(history, FinalState.tombstone("k", 100, ONE)));
    }

    @Test
    void twoAcknowledgedAttemptsWithDifferentVersionsAreTwoApplications() {
        Op first = attempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).build();
        Op again = attempt(TWO, 10).ok(202).assigned(120, Durability.REPLICATED_BUFFER).build();
        List<Violation> found = check(List.of(first, again), FinalState.of("k", "x", 120, TWO));
        assertEquals(1, found.size(), found::toString);
        Violation v = found.get(0);
        assertEquals(IdempotencyChecker.NAME, v.checker());
        assertTrue(v.message().contains("applied twice") && v.message().contains("v100@available-1 (#1)")
                && v.message().contains("v120@available-2 (#2)"), v.message());
        assertEquals(List.of(first, again), v.ops());
    }

    @Test
    void aRetryTakenBlindIntoAHintLogIsAppliedAtMostOnceAndTheClaimWins() {
        // The first attempt reached the primary; the retry went to an instance cut off from both stores.
        Op first = attempt(ONE, 0).ok(200).assigned(100, Durability.PRIMARY).build();
        Op blind = attempt(TWO, 10).ok(202).assigned(120, Durability.LOCAL).build();
        Op cached = read("x", 120, 20).build();
        assertEquals(List.of(), check(List.of(first, blind, cached), FinalState.of("k", "x", 100, ONE)));
        assertEquals(1, IdempotencyChecker.takenBlind(History.of(List.of(first, blind))));
        // The primary's claim came first: reconciliation must skip the blind retry.
        List<Violation> twice = check(List.of(first, blind), FinalState.of("k", "x", 120, TWO));
        assertEquals(1, twice.size(), twice::toString);
        assertTrue(twice.get(0).message().contains("applied twice") && twice.get(0).message().contains("#1"),
                twice.get(0).message());
        List<Violation> foreign = check(List.of(first, blind, read("x", 140, 20).build()));
        assertEquals(1, foreign.size(), foreign::toString);
        assertTrue(foreign.get(0).message().contains("taken blind"), foreign.get(0).message());
    }

    @Test
    void aBlindFirstAttemptMayLoseToARetryThatReachedThePrimary() {
        // The first attempt waits in ONE's hint log; TWO cannot see it and applies the retry.
        Op waiting = attempt(ONE, 0).ok(202).assigned(100, Durability.LOCAL).build();
        Op retry = attempt(TWO, 10).ok(200).assigned(120, Durability.PRIMARY).build();
        assertEquals(List.of(), check(List.of(waiting, retry), FinalState.of("k", "x", 120, TWO)));
        assertEquals(List.of(), check(List.of(waiting, retry), FinalState.of("k", "x", 100, ONE)));
        assertEquals(1, check(List.of(waiting, retry), FinalState.of("k", "x", 140, TWO)).size());
    }

    @Test
    void aRetryCommittedBesideAFirstAttemptBufferedOnRedisIsTakenBlind() {
        // ONE buffered the first attempt on a Redis master TWO does not use (a partition split
        // Redis); TWO could not find its record and committed the retry on the primary.
        Op buffered = attempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).build();
        Op committed = attempt(TWO, 10).ok(200).assigned(120, Durability.PRIMARY).build();
        List<NemesisEvent> split = List.of(new NemesisEvent(-5, 50, "partition halves", "one|two"));
        History history = History.of(List.of(buffered, committed)).withNemesis(split);
        assertEquals(List.of(), checker.check(history.withFinalStates(List.of(FinalState.of("k", "x", 120, TWO)))));
        assertEquals(1, IdempotencyChecker.takenBlind(history));
        assertEquals(1, checker.check(history.withFinalStates(List.of(FinalState.of("k", "x", 100, ONE)))).size(),
                "the commit claimed the key: the buffered attempt must be skipped");
        assertEquals(1, checker.check(history.withFinalStates(List.of(FinalState.of("k", "x", 140, TWO)))).size(),
                "still at most once: a third version is a second application");

        assertEquals(1, check(List.of(buffered, committed), FinalState.of("k", "x", 120, TWO)).size(),
                "without a partition that splits Redis, the committing instance could see the record");
        History notASplit = History.of(List.of(buffered, committed))
                .withNemesis(List.of(new NemesisEvent(-5, 50, "partition pg-primary from standby", "pg-a|pg-b")));
        assertEquals(1, checker.check(notASplit.withFinalStates(List.of(FinalState.of("k", "x", 120, TWO)))).size());

        Op alsoCommitted = attempt(ONE, 0).ok(200).assigned(100, Durability.PRIMARY).build();
        assertEquals(1, check(List.of(alsoCommitted, committed), FinalState.of("k", "x", 120, TWO)).size(),
                "two commits on the primary: its claim was there to be found");
        Op bufferedAgain = attempt(TWO, 10).ok(202).assigned(120, Durability.REPLICATED_BUFFER).build();
        assertEquals(1, check(List.of(buffered, bufferedAgain), FinalState.of("k", "x", 120, TWO)).size(),
                "two confirmed buffers: a master cut off from its replicas cannot confirm a second");
    }

    @Test
    void aRetryBufferedAfterTheFirstAttemptCommittedLosesToTheCommit() {
        // TWO committed on the primary, its write-through failed; ONE, without the primary, buffered the retry.
        Op committed = attempt(TWO, 0).ok(200).assigned(100, Durability.PRIMARY).build();
        Op buffered = attempt(ONE, 10).ok(202).assigned(120, Durability.REPLICATED_BUFFER).build();
        assertEquals(List.of(), check(List.of(committed, buffered), FinalState.of("k", "x", 100, TWO)));
        List<Violation> twice = check(List.of(committed, buffered), FinalState.of("k", "x", 120, ONE));
        assertEquals(1, twice.size(), twice::toString);
        assertTrue(twice.get(0).message().contains("applied twice"), twice.get(0).message());
    }

    @Test
    void differentVersionsFromOneInstanceOrTwoOnOneStoreAreTwoApplications() {
        Op first = attempt(ONE, 0).ok(202).assigned(100, Durability.LOCAL).build();
        Op again = attempt(ONE, 10).ok(202).assigned(120, Durability.LOCAL).build();
        assertEquals(0, IdempotencyChecker.takenBlind(History.of(List.of(first, again))), "its own hint log knew");
        assertEquals(1, check(List.of(first, again)).size());
        Op primary = attempt(ONE, 0).ok(200).assigned(100, Durability.PRIMARY).build();
        Op committedAgain = attempt(TWO, 10).ok(200).assigned(120, Durability.PRIMARY).build();
        assertEquals(0, IdempotencyChecker.takenBlind(History.of(List.of(primary, committedAgain))));
        assertEquals(1, check(List.of(primary, committedAgain), FinalState.of("k", "x", 120, TWO)).size());
    }

    @Test
    void aReplayWithTheAnsweringInstanceAsOriginIsAnotherWrite() {
        // Same HLC value, but issued by the other instance: not the first answer.
        List<Violation> found = check(List.of(
                attempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).build(),
                attempt(TWO, 10).ok(202).assigned(100, Durability.REPLICATED_BUFFER).replayed(true).build()));
        assertEquals(1, found.size(), found::toString);
    }

    @Test
    void aReadOfTheValueAtASecondVersionShowsASecondApplication() {
        Op lost = attempt(ONE, 0).unknown(0).build();
        Op retry = attempt(TWO, 10).ok(202).assigned(120, Durability.REPLICATED_BUFFER).build();
        Op early = read("x", 100, 5).build();
        List<Violation> found = check(List.of(lost, retry, early, read("x", 120, 20).build()));
        assertEquals(1, found.size(), found::toString);
        assertTrue(found.get(0).message().contains("read #3 saw it at v100"), found.get(0).message());
        assertTrue(found.get(0).ops().contains(early));
        assertFalse(found.get(0).message().contains("#4"), "the read at the acknowledged version is fine");

        List<Violation> unacknowledged = check(List.of(lost, attempt(TWO, 10).unknown(0).build(), early,
                read("x", 120, 20).build()));
        assertEquals(1, unacknowledged.size(), "no answer, yet two versions of one write");
        assertTrue(unacknowledged.get(0).message().contains("no attempt was acknowledged"));
    }

    @Test
    void anUnconfirmedBufferReadOnAMasterBeingReplacedIsNotASecondApplicationButTheFinalStateIs() {
        NemesisEvent split = new NemesisEvent(0, 100, "partition redis-master side", "redis-a," + TWO);
        // Taken by the cut-off master, refused by a full hint log: outcome unknown; retried on the other side.
        Op unconfirmed = attempt(TWO, 10).unknown(503).problem(IdempotencyChecker.OUTCOME_UNKNOWN).build();
        Op retry = attempt(ONE, 20).ok(200).assigned(200, Durability.PRIMARY).build();
        Op onTheOldMaster = ops.read("r", "k", "x", 15, 16).instance(TWO).returned("x", 150, "redis-master", 5).build();
        List<Op> history = new ArrayList<>(List.of(unconfirmed, retry, onTheOldMaster));
        assertEquals(List.of(), checker.check(History.of(history).withNemesis(List.of(split))
                .withFinalStates(List.of(FinalState.of("k", "x", 200, ONE)))));

        // The final state at the lost version is a second application all the same.
        assertEquals(1, checker.check(History.of(history).withNemesis(List.of(split))
                .withFinalStates(List.of(FinalState.of("k", "x", 150, TWO)))).size());
        // Without a partition that can split Redis, the read is held against the group.
        assertEquals(1, checker.check(History.of(history)).size());
        // So is a read of that copy from the instance's last-known cache, which that Redis filled.
        Op fromTheCache = ops.read("r", "k", "x", 15, 16).instance(TWO).returned("x", 150, "local-cache", 7500).build();
        assertEquals(List.of(), checker.check(History.of(List.of(unconfirmed, retry, fromTheCache))
                .withNemesis(List.of(split))));
        // An attempt with no answer because its instance was killed under it is the same case;
        // one whose answer merely never came (the client's timeout) is not.
        Op unanswered = attempt(TWO, 10).unknown(0).build();
        assertEquals(List.of(), checker.check(History.of(List.of(unanswered, retry, onTheOldMaster))
                .withNemesis(List.of(split)).withDowntimes(List.of(new Downtime(TWO, 11, 40)))));
        assertEquals(1, checker.check(History.of(List.of(unanswered, retry, onTheOldMaster))
                .withNemesis(List.of(split)).withDowntimes(List.of(new Downtime(ONE, 11, 40)))).size());
        // Nor is a read the primary served, or one on the instance of no unknown attempt, or an
        // attempt answered otherwise (a 5xx that is no outcome-unknown): each is a second application.
        Op fromThePrimary = ops.read("r", "k", "x", 15, 16).instance(TWO).returned("x", 150, "postgres-primary", 0).build();
        Op otherOrigin = ops.read("r", "k", "x", 15, 16).instance(TWO).returned("x", 150, "redis-master", 5).origin(ONE)
                .build();
        Op internalError = attempt(TWO, 10).unknown(500).build();
        for (List<Op> variant : List.of(List.of(unconfirmed, retry, fromThePrimary), List.of(unconfirmed, retry, otherOrigin),
                List.of(internalError, retry, onTheOldMaster))) {
            assertEquals(1, checker.check(History.of(variant).withNemesis(List.of(split))).size(), variant::toString);
        }
        // A delete's tombstone read there is the same case.
        Op unconfirmedDelete = deleteAttempt(TWO, 10).unknown(503).problem(IdempotencyChecker.OUTCOME_UNKNOWN).build();
        Op deleteRetry = deleteAttempt(ONE, 20).ok(200).assigned(200, Durability.PRIMARY).build();
        Op tombstone = ops.read("r", "k", null, 15, 16).instance(TWO).returned(null, 150, "redis-master", 5).build();
        assertEquals(List.of(), checker.check(History.of(List.of(unconfirmedDelete, deleteRetry, tombstone))
                .withNemesis(List.of(split))));
        assertEquals(1, checker.check(History.of(List.of(unconfirmedDelete, deleteRetry, tombstone))).size());
        // A read after the partition ended is held against it too.
        Op later = ops.read("r", "k", "x", 150, 151).instance(TWO).returned("x", 150, "redis-master", 5).build();
        assertEquals(1, checker.check(History.of(List.of(unconfirmed, retry, later)).withNemesis(List.of(split))).size());
    }

    @Test
    void aBlindRetryBesideAnAttemptCutShortByAKillMayLoseToThatAttempt() {
        long at = 10_000;
        long issued = (at + 50) << 16; // a version made while the first attempt ran
        // The first attempt's instance is killed under it; the retry, unable to check Redis, is taken blind.
        Op cutShort = attempt(ONE, at).unknown(0).build();
        List<Downtime> killed = List.of(new Downtime(ONE, at, at + 5_000));
        Op blind = attempt(TWO, at + 200).ok(202).assigned((at + 200) << 16, Durability.LOCAL).build();
        Op seen = read("x", issued, at + 3_000).build();
        assertEquals(List.of(), checker.check(History.of(List.of(cutShort, blind, seen)).withDowntimes(killed)
                .withFinalStates(List.of(FinalState.of("k", "x", issued, ONE)))), "the first attempt won: applied once");

        // Not when the retry was answered from a store (it could see the first attempt's record) ...
        Op committed = attempt(TWO, at + 200).ok(200).assigned((at + 200) << 16, Durability.PRIMARY).build();
        assertEquals(1, checker.check(History.of(List.of(cutShort, committed, seen)).withDowntimes(killed)).size());
        // ... nor when the first attempt's instance lived (no answer is then a bug of its own) ...
        assertEquals(1, checker.check(History.of(List.of(cutShort, blind, seen))).size());
        // ... nor for a version made long after the first attempt ...
        Op later = read("x", (at + 2_000) << 16, at + 3_000).build();
        assertEquals(1, checker.check(History.of(List.of(cutShort, blind, later)).withDowntimes(killed)).size());
        // ... nor for two such versions: that is two applications.
        Op other = read("x", issued + 7, at + 3_100).build();
        assertEquals(1, checker.check(History.of(List.of(cutShort, blind, seen, other)).withDowntimes(killed)).size());
    }

    @Test
    void aFinalStateNewerThanTheAcknowledgedOneMeansARetryOverwroteALaterWrite() {
        Op first = attempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).build();
        Op unanswered = attempt(TWO, 2).unknown(0).build();
        Op later = ops.write("c2", "k", "y", 5, 6).assigned(200, Durability.PRIMARY).build();
        FinalState state = FinalState.of("k", "x", 300, TWO);
        List<Op> history = List.of(first, unanswered, later);

        List<Violation> found = check(history, state);
        assertEquals(1, found.size(), found::toString);
        String message = found.get(0).message();
        assertTrue(message.contains("applied twice") && message.contains("final state holds it at v300@available-2")
                && message.contains("a retry overwrote #3"), message);
        assertTrue(found.get(0).ops().contains(later), "the overwritten write is evidence");
        // The lost-write rule cannot see it: an unanswered attempt sent to available-2 explains the row.
        assertEquals(List.of(), new LastWriterWinsFinalStateChecker().check(
                History.of(history).withFinalStates(List.of(state))));
    }

    @Test
    void aTombstoneOnlyTheGroupsRetriesCouldHaveWrittenIsASecondApplication() {
        Op first = deleteAttempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).build();
        Op unanswered = deleteAttempt(TWO, 2).unknown(0).build();
        Op later = ops.write("c2", "k", "y", 5, 6).assigned(200, Durability.PRIMARY).build();
        FinalState tombstone = FinalState.tombstone("k", 300, TWO);
        List<Violation> found = check(List.of(first, unanswered, later), tombstone);
        assertEquals(1, found.size(), found::toString);
        assertTrue(found.get(0).message().contains("a retry overwrote #3"), found.get(0).message());

        Op anotherDelete = ops.delete("c3", "k", 7, 8).instance(TWO).unknown(0).build();
        assertEquals(List.of(), check(List.of(first, unanswered, later, anotherDelete), tombstone),
                "another delete may have written that tombstone");
        Op elsewhere = ops.delete("c3", "k", 7, 8).instance(ONE).unknown(0).build();
        assertEquals(1, check(List.of(first, unanswered, later, elsewhere), tombstone).size(),
                "not one sent to another instance");
    }

    @Test
    void aReplayNeedsAnEarlierAttemptThatMayHaveBeenApplied() {
        List<Violation> first = check(List.of(
                attempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).replayed(true).build()));
        assertEquals(1, first.size(), first::toString);
        assertTrue(first.get(0).message().contains("#1 answered as a replay"), first.get(0).message());

        List<Violation> afterRefusal = check(List.of(
                attempt(ONE, 0).failed(503).problem("urn:captier:problem:unavailable").build(),
                attempt(TWO, 10).ok(202).assigned(100, Durability.REPLICATED_BUFFER).origin(ONE).replayed(true).build()));
        assertEquals(1, afterRefusal.size(), "a refused attempt left no answer to repeat");
    }

    @Test
    void theSameRequestRefusedAsAReusedKeyIsAViolation() {
        List<Violation> found = check(List.of(
                attempt(ONE, 0).unknown(0).build(),
                attempt(TWO, 10).failed(422).problem(IdempotencyChecker.KEY_REUSED).build()));
        assertEquals(1, found.size(), found::toString);
        assertTrue(found.get(0).message().contains("refused as a reused key (#2)"), found.get(0).message());
    }

    @Test
    void aValueAnotherWriteAlsoWroteIsNotAttributed() {
        Op first = attempt(ONE, 0).ok(202).assigned(100, Durability.REPLICATED_BUFFER).build();
        Op sameValue = ops.write("c2", "k", "x", 5, 6).assigned(200, Durability.PRIMARY).build();
        assertEquals(List.of(), check(List.of(first, sameValue, read("x", 200, 10).build()),
                FinalState.of("k", "x", 200, ONE)));
    }

    @Test
    void attemptsThatAreNotOneRequestAreInconclusive() {
        List<Violation> found = check(List.of(
                attempt(ONE, 0).ok(200).assigned(100, Durability.PRIMARY).build(),
                ops.write("c1", "k", "z", 10, 11).idempotencyKey(KEY).ok(200).assigned(120, Durability.PRIMARY).build()));
        assertEquals(1, found.size());
        assertFalse(found.get(0).conclusive());
    }

    @Test
    void writesWithoutAnIdempotencyKeyAndConsistentOnesAreNotJudged() {
        assertEquals(List.of(), check(List.of(
                ops.write("c1", "k", "x", 0, 1).assigned(100, Durability.PRIMARY).build(),
                ops.write("c1", "k", "x", 10, 11).assigned(120, Durability.PRIMARY).build(),
                Ops.consistent().write("c1", "j", "x", 0, 1).idempotencyKey(KEY).assigned(100, Durability.PRIMARY)
                        .build())));
    }
}
