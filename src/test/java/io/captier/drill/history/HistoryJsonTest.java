package io.captier.drill.history;

import io.captier.mode.Durability;
import io.captier.mode.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryJsonTest {

    private static History sample() {
        Op write = Op.write(1, "client-1", Mode.AVAILABLE, "k", "v1").session("s1").instance("available-1")
                .at(1000, 1012).nanos(5_000, 12_005_000).ok(202).assigned(123456789L << 16, Durability.LOCAL).build();
        Op read = Op.read(2, "client-2", Mode.CONSISTENT, "k").instance("consistent-1").at(1010, 1013)
                .ok(200).returned("v1", 123456789L << 16, "postgres-primary", 0).build();
        Op unknown = Op.delete(3, "client-3", Mode.CONSISTENT, "k").instance("consistent-2").at(1020, 3100)
                .unknown(0).build();
        Op replay = Op.write(4, "client-1", Mode.AVAILABLE, "k", "v1").instance("available-2").at(1030, 1040)
                .ok(202).assigned(123456789L << 16, Durability.LOCAL).origin("available-1")
                .idempotencyKey("client-1-w1").replayed(true).build();
        Op cas = Op.write(5, "client-2", Mode.CONSISTENT, "k", "v2").instance("consistent-1").at(1050, 1052)
                .precondition(Precondition.ifMatch(123456789L << 16)).ok(200).assigned(6L << 16, Durability.PRIMARY)
                .build();
        Op refused = Op.delete(6, "client-3", Mode.CONSISTENT, "k").instance("consistent-2").at(1051, 1053)
                .precondition(Precondition.ifMatch(123456789L << 16)).preconditionFailed(new Mismatch(true, 6L << 16))
                .build();
        Op create = Op.write(7, "client-3", Mode.CONSISTENT, "j", "v3").instance("consistent-2").at(1060, 1061)
                .precondition(Precondition.ifNoneMatch()).preconditionFailed(new Mismatch(false, 0)).build();
        return History.of(List.of(write, read, unknown, replay, cas, refused, create))
                .withNemesis(List.of(new NemesisEvent(1005, 2000, "kill pg-primary", "pg-a")))
                .withDowntimes(List.of(new Downtime("available-2", 1500, 1800), Downtime.untilEnd("consistent-2", 3000)))
                .withFinalStates(List.of(FinalState.tombstone("k", 5L << 16, "consistent-1"), FinalState.absent("x")));
    }

    @Test
    void aHistoryReadsBackEqual(@TempDir Path dir) {
        History history = sample();
        Path file = dir.resolve("history.json");
        HistoryJson.write(history, file);
        assertEquals(history, HistoryJson.read(file));
        assertEquals(history, HistoryJson.fromJson(HistoryJson.toJson(history)));
    }

    @Test
    void enumsAreWrittenAsTheServiceSaysThem() {
        String json = HistoryJson.toJson(sample());
        assertTrue(json.contains("\"mode\" : \"available\""), json);
        assertTrue(json.contains("\"durability\" : \"local\""), json);
        assertTrue(json.contains("\"outcome\" : \"UNKNOWN\""), json);
        assertFalse(json.contains("\"read\" :"), "helpers are not data: " + json);
    }

    @Test
    void idempotencyKeysAndReplaysAreWrittenAndReadBack() {
        String json = HistoryJson.toJson(sample());
        assertTrue(json.contains("\"idempotencyKey\" : \"client-1-w1\""), json);
        assertTrue(json.contains("\"replayed\" : true"), json);
        Op replay = HistoryJson.fromJson(json).ops().get(3);
        assertEquals("client-1-w1", replay.idempotencyKey());
        assertTrue(replay.replayed());
        assertEquals(new Version(123456789L << 16, "available-1"), replay.versionStamp(), "the first attempt's origin");
        assertTrue(replay.toString().contains("v" + (123456789L << 16) + "@available-1 local idempotency-key client-1-w1 "
                + "replayed"), replay.toString());
    }

    @Test
    void compareAndSetsAreWrittenAndReadBack() {
        String json = HistoryJson.toJson(sample());
        History back = HistoryJson.fromJson(json);
        Op cas = back.ops().get(4);
        assertEquals(Precondition.ifMatch(123456789L << 16), cas.precondition());
        assertTrue(cas.isCas() && !cas.preconditionFailed());
        Op refused = back.ops().get(5);
        assertTrue(refused.preconditionFailed());
        assertEquals(Outcome.FAILED, refused.outcome());
        assertEquals(Precondition.FAILED_PROBLEM, refused.problem());
        assertEquals(new Mismatch(true, 6L << 16), refused.mismatch());
        assertEquals(new Mismatch(false, 0), back.ops().get(6).mismatch());
        assertTrue(refused.toString().contains("DELETE k [If-Match: \"" + (123456789L << 16) + "\"] FAILED 412 current v"
                + (6L << 16)), refused.toString());
        assertTrue(back.ops().get(6).toString().contains("'v3' [If-None-Match: *] FAILED 412 current none"),
                back.ops().get(6).toString());
    }

    @Test
    void nanosFollowMillisWhenNotRecordedAndWritesTakeTheirInstanceAsOrigin() {
        Op op = HistoryJson.fromJson("""
                {"ops":[{"id":9,"client":"c","instance":"available-3","mode":"available","key":"k",
                         "type":"WRITE","value":"x","invokeMs":10,"completeMs":12,"outcome":"OK","status":200,
                         "version":77,"durability":"replicated-buffer"}]}
                """).ops().get(0);
        assertEquals(10_000_000, op.invokeNanos());
        assertEquals(12_000_000, op.completeNanos());
        assertEquals(new Version(77, "available-3"), op.versionStamp());
        assertEquals(Durability.REPLICATED_BUFFER, op.durability());
        assertNull(op.session());
        // Histories saved before idempotency keys were recorded still read: none sent, nothing replayed.
        assertNull(op.idempotencyKey());
        assertFalse(op.replayed());
        // ... and before compare-and-set: plain requests.
        assertNull(op.precondition());
        assertNull(op.mismatch());
        assertFalse(op.isCas());
    }
}
