package io.captier.drill.check;

import io.captier.drill.Ops;
import io.captier.drill.history.Downtime;
import io.captier.drill.history.History;
import io.captier.drill.history.NemesisEvent;
import io.captier.drill.history.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvailabilityCheckerTest {

    private final Ops ops = Ops.available();
    private final AvailabilityChecker checker = new AvailabilityChecker();
    private final Downtime instanceOneKilled = new Downtime("available-1", 100, 200);

    private List<Violation> check(Op... history) {
        return checker.check(History.of(List.of(history)).withDowntimes(List.of(instanceOneKilled)));
    }

    @Test
    void answersOfEveryKindButFiveHundredsAreFine() {
        assertEquals(List.of(), check(
                ops.write("c", "k", "a", 0, 1).build(),
                ops.write("c", "k", "a", 2, 3).ok(202).build(),
                ops.read("c", "k", null, 4, 5).build()));
    }

    @Test
    void aRefusalWhileTheInstanceWasUpIsAViolation() {
        Op refused = ops.read("c", "k", null, 300, 301).failed(503).build();
        List<Violation> found = check(ops.read("c", "k", null, 0, 1).build(), refused);
        assertEquals(1, found.size());
        assertEquals(List.of(refused), found.get(0).ops());
        assertTrue(found.get(0).message().startsWith("available-1: 1 "), found.get(0).message());
    }

    @Test
    void aSessionReadRefusedAsSessionBehindIsExcusedButCountedAndNothingElseIs() {
        Op behind = ops.read("c", "k", null, 300, 301).session("s").failed(503)
                .problem(AvailabilityChecker.SESSION_BEHIND).build();
        assertEquals(List.of(), check(behind));
        assertEquals(1, AvailabilityChecker.sessionRefusals(History.of(List.of(behind))));
        // The same refusal without a session, or another 503 of a session read, is a violation.
        assertEquals(1, check(ops.read("c", "k", null, 300, 301).failed(503)
                .problem(AvailabilityChecker.SESSION_BEHIND).build()).size());
        assertEquals(1, check(ops.read("c", "k", null, 300, 301).session("s").failed(503)
                .problem("urn:captier:problem:unavailable").build()).size());
    }

    @Test
    void aWriteRefusedWhileItsInstancesDiskWasFullIsExcusedButCountedAndNothingElseIs() {
        NemesisEvent full = new NemesisEvent(300, 400, "disk full", "available-1");
        Op notApplied = ops.write("c", "k", "a", 310, 311).failed(503).problem("urn:captier:problem:unavailable").build();
        Op unknown = ops.write("c", "k", "b", 395, 402).failed(503).problem("urn:captier:problem:outcome-unknown").build();
        History history = History.of(List.of(notApplied, unknown)).withNemesis(List.of(full));
        assertEquals(List.of(), checker.check(history));
        assertEquals(2, AvailabilityChecker.diskRefusals(history));
        assertEquals(2, AvailabilityChecker.tally(history).get("available-1").refused(), "still refusals in the figures");
        // Not excused: after the disk was freed, on another instance's disk, a read, another problem.
        Op after = ops.write("c", "k", "c", 401, 402).failed(503).problem("urn:captier:problem:unavailable").build();
        Op elsewhere = ops.write("c", "k", "d", 310, 311).instance("available-2").failed(503)
                .problem("urn:captier:problem:unavailable").build();
        Op read = ops.read("c", "k", null, 310, 311).failed(503).problem("urn:captier:problem:unavailable").build();
        Op internal = ops.write("c", "k", "e", 310, 311).failed(500).problem("urn:captier:problem:internal").build();
        for (Op op : List.of(after, elsewhere, read, internal)) {
            assertEquals(1, checker.check(History.of(List.of(op)).withNemesis(List.of(full))).size(), op.toString());
        }
        NemesisEvent otherFault = new NemesisEvent(300, 400, "partition isolate", "available-1");
        assertEquals(1, checker.check(History.of(List.of(notApplied)).withNemesis(List.of(otherFault))).size());
    }

    @Test
    void noAnswerWhileTheInstanceWasUpIsAViolation() {
        assertEquals(1, check(ops.write("c", "k", "a", 300, 5300).unknown(0).build()).size());
    }

    @Test
    void refusalsAreGroupedPerInstance() {
        List<Violation> found = check(
                ops.read("c", "k", null, 300, 301).failed(503).build(),
                ops.read("c", "k", null, 302, 303).failed(500).build(),
                ops.read("c", "k", null, 302, 303).instance("available-2").unknown(0).build());
        assertEquals(2, found.size());
        assertTrue(found.get(0).message().contains("2 ") && found.get(0).message().contains("500=1"),
                found.get(0).message());
    }

    @Test
    void anInstanceKilledOnPurposeIsExcusedForTheRequestsItWasDownFor() {
        assertEquals(List.of(), check(
                ops.read("c", "k", null, 150, 151).unknown(0).build(),
                ops.write("c", "k", "a", 90, 110).unknown(0).build(), // sent before the kill, cut off by it
                ops.write("c", "k", "a", 190, 210).failed(503).build()));
        assertEquals(1, check(ops.read("c", "k", null, 150, 151).instance("available-2").failed(503).build()).size(),
                "another instance was not down");
    }

    @Test
    void aRetryIsARequestLikeAnyOtherAndAReplayIsAnAnswer() {
        Op refused = ops.write("c", "k", "a", 300, 301).idempotencyKey("c-w1").failed(503).build();
        Op replay = ops.write("c", "k", "a", 310, 311).instance("available-2").idempotencyKey("c-w1").ok(202)
                .origin("available-1").replayed(true).build();
        List<Violation> found = check(refused, replay);
        assertEquals(1, found.size(), "the 503 that made the client retry still counts");
        assertEquals(List.of(refused), found.get(0).ops());
    }

    @Test
    void consistentRefusalsAreNotJudgedHere() {
        assertEquals(List.of(), check(Ops.consistent().read("c", "k", null, 0, 1).failed(503).build()));
    }

    @Test
    void theTallyCountsPerInstance() {
        History history = History.of(List.of(
                ops.read("c", "k", null, 0, 1).build(),
                ops.read("c", "k", null, 150, 151).unknown(0).build(),
                ops.read("c", "k", null, 300, 301).failed(503).build(),
                ops.read("c", "k", null, 300, 301).instance("available-2").build())).withDowntimes(
                List.of(instanceOneKilled));
        var tally = AvailabilityChecker.tally(history);
        assertEquals(new AvailabilityChecker.Tally(3, 1, 1, 1), tally.get("available-1"));
        assertEquals(0.5, tally.get("available-1").availability());
        assertEquals(new AvailabilityChecker.Tally(1, 0, 1, 0), tally.get("available-2"));
    }
}
