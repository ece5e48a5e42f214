package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.history.History;
import io.captier.drill.history.Op;
import io.captier.mode.Durability;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionCheckerTest {

    private final Ops ops = Ops.available();
    private final SessionChecker checker = new SessionChecker();

    private List<Violation> check(Op... history) {
        return checker.check(History.of(List.of(history)));
    }

    private Op.Builder write(String session, String value, long version, String instance, long at) {
        return ops.write("c-" + session, "k", value, at, at + 1).session(session).instance(instance)
                .assigned(version, Durability.REPLICATED_BUFFER);
    }

    private Op.Builder read(String session, String value, long version, String instance, long at) {
        return ops.read("c-" + session, "k", value, at, at + 1).session(session).instance(instance)
                .returned(value, version, "redis-replica", 5);
    }

    @Test
    void aSessionReadsItsOwnWriteOnAnotherInstance() {
        assertEquals(List.of(), check(
                write("s1", "a", 10, "available-1", 0).build(),
                read("s1", "a", 10, "available-2", 5).build(),
                read("s1", "b", 20, "available-1", 10).build()));
    }

    @Test
    void anOlderValueOnAnotherInstanceAfterTheSessionsWriteBreaksReadYourWrites() {
        Op old = write("s0", "a", 10, "available-2", 0).build();
        Op own = write("s1", "b", 20, "available-1", 5).build();
        Op stale = read("s1", "a", 10, "available-2", 10).build();
        List<Violation> found = check(old, own, stale);
        assertEquals(1, found.size());
        assertTrue(found.get(0).message().startsWith("read-your-writes"), found.get(0).message());
        assertEquals(List.of(own, stale), found.get(0).ops());
    }

    @Test
    void notFoundAfterTheSessionsWriteNeedsANewerDelete() {
        Op own = write("s1", "a", 20, "available-1", 0).build();
        Op notFound = read("s1", null, 0, "available-2", 10).build();
        assertEquals(1, check(own, notFound).size(), "nothing deleted it");
        Op olderDelete = ops.delete("other", "k", 1, 2).assigned(5, Durability.PRIMARY).build();
        assertEquals(1, check(own, olderDelete, notFound).size(), "a delete older than the write explains nothing");
        Op newerDelete = ops.delete("other", "k", 1, 2).assigned(30, Durability.PRIMARY).build();
        assertEquals(List.of(), check(own, newerDelete, notFound));
        Op tombstone = read("s1", null, 30, "available-2", 10).build();
        assertEquals(List.of(), check(own, newerDelete, tombstone), "a 404 carrying the tombstone's version");
    }

    /**
     * The 60-minute soak's case: a session reads "absent" (no row: a standby behind) while a
     * delete of another session is under way, then the version written before that delete.
     * Absent was the key before its first write; nothing went backwards.
     */
    @Test
    void aNotFoundWithoutAVersionIsNoFloorForLaterReads() {
        Op written = write("s0", "a", 10, "available-1", 0).build();
        Op delete = ops.delete("c-s2", "k", 5, 9).session("s2").instance("available-2")
                .assigned(20, Durability.REPLICATED_BUFFER).build();
        Op absent = read("s1", null, 0, "available-2", 5).build();
        Op older = read("s1", "a", 10, "available-1", 10).build();
        assertEquals(List.of(), check(written, delete, absent, older));
        Op tombstone = read("s1", null, 20, "available-2", 5).build();
        assertEquals(1, check(written, delete, tombstone, older).size(), "a 404 carrying the delete's version is a floor");
    }

    @Test
    void readsOfAKeyNeverGoBackwardsInASession() {
        Op newer = read("s1", "b", 20, "available-1", 0).build();
        Op older = read("s1", "a", 10, "available-2", 5).build();
        List<Violation> found = check(newer, older);
        assertEquals(1, found.size());
        assertTrue(found.get(0).message().startsWith("monotonic reads"), found.get(0).message());
        assertEquals(List.of(newer, older), found.get(0).ops());
    }

    @Test
    void aRegressionAfterAnIntermediateReadIsStillCaught() {
        assertEquals(1, check(
                read("s1", "c", 30, "available-1", 0).build(),
                read("s1", "c", 30, "available-2", 5).build(),
                read("s1", "b", 20, "available-1", 10).build()).size());
    }

    @Test
    void otherSessionsAndSessionlessClientsAreNotBound() {
        assertEquals(List.of(), check(
                write("s1", "b", 20, "available-1", 0).build(),
                read("s2", "a", 10, "available-2", 5).build(),
                ops.read("anonymous", "k", "a", 6, 7).returned("a", 10, "redis-replica", 5).build()));
    }

    @Test
    void aWriteWithoutAnswerGaveNoTokenAndBindsNothing() {
        assertEquals(List.of(), check(
                write("s1", "b", 20, "available-1", 0).unknown(0).build(),
                read("s1", "a", 10, "available-2", 5).build()));
    }

    @Test
    void aRetryAnsweredAsAReplayByAnotherInstanceBindsTheFirstAttemptsVersion() {
        Op lost = write("s1", "a", 0, "available-1", 0).idempotencyKey("c-s1-w1").unknown(0).build();
        Op replay = write("s1", "a", 20, "available-2", 5).idempotencyKey("c-s1-w1").origin("available-1")
                .replayed(true).build();
        Op tie = write("s0", "other", 20, "available-2", 1).build(); // (20, available-2) supersedes (20, available-1)
        assertEquals(List.of(), check(lost, tie, replay, read("s1", "a", 20, "available-2", 10).build(),
                read("s1", "other", 20, "available-1", 15).build()));
        assertEquals(1, check(lost, replay, read("s1", "older", 10, "available-1", 10).build()).size());
    }

    @Test
    void theOriginOfAReadIsTakenFromTheWriteItReturnsToBreakAVersionTie() {
        Op other = write("s0", "from-1", 10, "available-1", 0).build();
        Op own = write("s1", "from-2", 10, "available-2", 0).build();
        assertEquals(1, check(other, own, read("s1", "from-1", 10, "available-3", 5).build()).size(),
                "(10, available-1) is older than the session's (10, available-2)");
        assertEquals(List.of(), check(other, own, read("s1", "from-2", 10, "available-3", 5).build()));
    }
}
