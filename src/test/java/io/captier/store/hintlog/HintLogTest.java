package io.captier.store.hintlog;

import io.captier.store.BufferedWrite;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HintLogTest {

    @TempDir
    Path dir;

    private static Entry set(int i) {
        return new Entry("key-" + i, ("value " + i).getBytes(StandardCharsets.UTF_8), "text/plain",
                version(1_700_000_000_000L + i, i), "node-a", false);
    }

    private static long version(long wallMs, int counter) {
        return wallMs << 16 | counter;
    }

    private List<Entry> appendAll(HintLog log, int count) throws IOException {
        List<Entry> written = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Entry e = set(i);
            log.append(e);
            written.add(e);
        }
        return written;
    }

    private List<Entry> pendingEntries(HintLog log) {
        return log.pending().stream().map(HintLog.Pending::entry).toList();
    }

    /** Opens, reads what is pending, closes: what a restart would see. */
    private List<Entry> reopen() throws IOException {
        try (HintLog log = new HintLog(dir)) {
            return pendingEntries(log);
        }
    }

    private Path logFile() {
        return dir.resolve(HintLog.LOG_FILE);
    }

    private void overwrite(long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(logFile(), WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private void truncate(long length) throws IOException {
        try (FileChannel ch = FileChannel.open(logFile(), WRITE)) {
            ch.truncate(length);
        }
    }

    @Test
    void setsAndTombstonesComeBackInOrderByteForByte() throws IOException {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        List<Entry> written = List.of(
                new Entry("ключ/ü/🔑", binary, "application/octet-stream", version(1000, 1), "node-a", false),
                Entry.tombstone("gone", version(1001, 0), "node-b"),
                new Entry("no-type", new byte[0], null, version(1002, 7), "node-a", false),
                new Entry("k".repeat(HintLogCodec.MAX_KEY_BYTES), "x".getBytes(StandardCharsets.UTF_8), "text/plain",
                        Long.MAX_VALUE, "node-c", false));
        try (HintLog log = new HintLog(dir)) {
            for (Entry e : written) {
                log.append(e);
            }
            assertEquals(written, pendingEntries(log));
        }
        List<Entry> replayed = reopen();
        assertEquals(written, replayed);
        assertArrayEquals(binary, replayed.get(0).value());
    }

    @Test
    void entriesBeyondTheBoundsAreRefusedBeforeTouchingTheFile() throws IOException {
        try (HintLog log = new HintLog(dir)) {
            Entry longKey = new Entry("k".repeat(HintLogCodec.MAX_KEY_BYTES + 1), new byte[1], null, 1, "a", false);
            assertThrows(IllegalArgumentException.class, () -> log.append(longKey));
            Entry noOrigin = new Entry("k", new byte[1], null, 1, null, false);
            assertThrows(IllegalArgumentException.class, () -> log.append(noOrigin));
            Entry tooLarge = new Entry("k", new byte[HintLogCodec.MAX_VALUE_BYTES + 1], null, 1, "a", false);
            assertThrows(IllegalArgumentException.class, () -> log.append(tooLarge));
            assertEquals(0, Files.size(logFile()));
            Entry largest = new Entry("k", new byte[HintLogCodec.MAX_VALUE_BYTES], "x/y", 1, "a", false);
            log.append(largest);
        }
        assertEquals(1, reopen().size(), "the largest value is read back");
    }

    @Test
    void concurrentAppendsAreAllKeptWithEachWritersOrder() throws Exception {
        int threads = 4;
        int each = 25;
        try (HintLog log = new HintLog(dir)) {
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String origin = "node-" + t;
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        try {
                            log.append(new Entry("k" + i, new byte[] {(byte) i}, null, version(1000, i), origin, false));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
                writer.start();
                writers.add(writer);
            }
            for (Thread w : writers) {
                w.join();
            }
        }
        List<Entry> replayed = reopen();
        assertEquals(threads * each, replayed.size());
        for (int t = 0; t < threads; t++) {
            String origin = "node-" + t;
            List<Long> versions = replayed.stream().filter(e -> e.origin().equals(origin)).map(Entry::version).toList();
            assertEquals(each, versions.size());
            assertEquals(versions.stream().sorted().toList(), versions, "one writer's appends stay in order");
        }
    }

    @Test
    void aTornTailIsReportedAndCutSoThatLaterAppendsAreReadable() throws IOException {
        List<Entry> written;
        long fourthEnd;
        try (HintLog log = new HintLog(dir)) {
            written = appendAll(log, 5);
            fourthEnd = log.pending().get(3).endOffset();
        }
        long fileEnd = Files.size(logFile());
        truncate(fourthEnd + (fileEnd - fourthEnd) / 2);

        Entry later = set(6);
        try (HintLog log = new HintLog(dir)) {
            assertEquals(written.subList(0, 4), pendingEntries(log));
            assertEquals(1, log.problems().size());
            assertTrue(log.problems().get(0).contains("offset " + fourthEnd), log.problems().get(0));
            assertEquals(fourthEnd, Files.size(logFile()), "the torn tail is truncated");
            log.append(later);
        }
        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(written.get(0), written.get(1), written.get(2), written.get(3), later),
                    pendingEntries(log));
            assertEquals(List.of(), log.problems());
        }
    }

    @Test
    void aCorruptPayloadInTheMiddleCostsOnlyItsOwnRecord() throws IOException {
        List<Entry> written;
        List<HintLog.Pending> records;
        try (HintLog log = new HintLog(dir)) {
            written = appendAll(log, 5);
            records = log.pending();
        }
        long thirdStart = records.get(1).endOffset();
        overwrite(thirdStart + HintLogCodec.HEADER_BYTES + 12, new byte[] {(byte) 0xFF, (byte) 0xEE, (byte) 0xDD});

        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(written.get(0), written.get(1), written.get(3), written.get(4)), pendingEntries(log));
            assertEquals(1, log.problems().size());
            String problem = log.problems().get(0);
            assertTrue(problem.contains("CRC mismatch"), problem);
            assertTrue(problem.contains("skipped " + (records.get(2).endOffset() - thirdStart) + " bytes"), problem);
        }
    }

    @Test
    void aCorruptLengthInTheMiddleStillRecoversTheRecordsAfterIt() throws IOException {
        List<Entry> written;
        List<HintLog.Pending> records;
        try (HintLog log = new HintLog(dir)) {
            written = appendAll(log, 5);
            records = log.pending();
        }
        // One length pointing past the end of the file, another beyond any sane bound.
        overwrite(records.get(1).endOffset() + 4, ByteBuffer.allocate(4).putInt(1 << 20).array());
        overwrite(records.get(3).endOffset() + 4, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());

        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(written.get(0), written.get(1), written.get(3)), pendingEntries(log));
            assertEquals(2, log.problems().size(), log.problems().toString());
            assertTrue(log.problems().get(1).contains("impossible payload length"), log.problems().get(1));
            log.append(set(6));
        }
        // The last record was at the end: its loss is a bad tail, cut on open; the new one follows.
        assertEquals(List.of(written.get(0), written.get(1), written.get(3), set(6)), reopen());
    }

    @Test
    void garbageOrAnEmptyFileYieldsNothingAndDoesNotFail() throws IOException {
        Files.write(logFile(), new byte[0]);
        assertEquals(List.of(), reopen());

        byte[] garbage = new byte[10_000];
        new java.util.Random(42).nextBytes(garbage);
        Files.write(logFile(), garbage);
        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(), log.pending());
            assertEquals(1, log.problems().size());
            assertEquals(0, Files.size(logFile()));
            log.append(set(1));
        }
        assertEquals(List.of(set(1)), reopen());

        Files.write(logFile(), new byte[] {1, 2, 3});
        assertEquals(List.of(), reopen());
    }

    @Test
    void drainedProgressSurvivesAReopenAndAFullDrainCompacts() throws IOException {
        List<Entry> written;
        try (HintLog log = new HintLog(dir)) {
            written = appendAll(log, 5);
            log.drained(log.pending().get(1).endOffset());
            assertEquals(written.subList(2, 5), pendingEntries(log));
        }
        try (HintLog log = new HintLog(dir)) {
            assertEquals(written.subList(2, 5), pendingEntries(log));
            List<HintLog.Pending> pending = log.pending();
            log.drained(0); // already recorded: ignored
            assertThrows(IllegalArgumentException.class, () -> log.drained(pending.get(1).endOffset() + 1),
                    "not the end of a record");
            log.drained(pending.get(0).endOffset());
            log.drained(pending.get(0).endOffset()); // again: ignored
            assertEquals(2, log.pendingCount());
            log.drained(pending.get(2).endOffset());
            assertEquals(0, log.pendingCount());
            assertEquals(0, Files.size(logFile()), "compacted");
            assertEquals("0", Files.readString(dir.resolve(HintLog.CHECKPOINT_FILE)).trim());
        }
        assertEquals(List.of(), reopen());
        try (HintLog log = new HintLog(dir)) {
            log.append(set(7));
            log.append(set(8));
        }
        assertEquals(List.of(set(7), set(8)), reopen());
    }

    @Test
    void aCrashDuringCompactionLosesNothing() throws IOException {
        long end;
        try (HintLog log = new HintLog(dir)) {
            appendAll(log, 3);
            end = log.pending().get(2).endOffset();
        }
        // Crashed after the checkpoint reached the end, before the truncation: nothing pending.
        Files.writeString(dir.resolve(HintLog.CHECKPOINT_FILE), end + "\n");
        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(), log.pending());
            assertEquals(0, Files.size(logFile()), "the compaction is finished on open");
        }

        // Crashed after the truncation, before the checkpoint was reset: it is beyond the end.
        Files.writeString(dir.resolve(HintLog.CHECKPOINT_FILE), end + "\n");
        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(), log.pending());
            // Were the stale checkpoint kept, these records (all before it) would be skipped.
            appendAll(log, 3);
        }
        assertEquals(List.of(set(1), set(2), set(3)), reopen());

        // Crashed while writing the checkpoint: a temp file is left, an unreadable checkpoint replays all.
        Files.writeString(dir.resolve("hints.checkpoint.tmp"), "12");
        Files.writeString(dir.resolve(HintLog.CHECKPOINT_FILE), "garbage");
        try (HintLog log = new HintLog(dir)) {
            assertEquals(List.of(set(1), set(2), set(3)), pendingEntries(log));
            assertEquals(1, log.problems().size());
            log.drained(log.pending().get(0).endOffset());
        }
        assertEquals(List.of(set(2), set(3)), reopen());
    }

    @Test
    void anInterruptedAppendFailsWithoutBreakingTheLog() throws IOException {
        try (HintLog log = new HintLog(dir)) {
            log.append(set(1));
            Thread.currentThread().interrupt();
            try {
                assertThrows(IOException.class, () -> log.append(set(2)));
            } finally {
                Thread.interrupted();
            }
            log.append(set(3));
            assertEquals(List.of(set(1), set(3)), pendingEntries(log));
        }
        assertEquals(List.of(set(1), set(3)), reopen());
    }

    @Test
    void countsAndTheOldestWallClockFollowThePendingRecords() throws IOException {
        try (HintLog log = new HintLog(dir)) {
            assertEquals(0, log.pendingCount());
            assertEquals(0, log.oldestPendingWallMs());
            log.append(set(1));
            log.append(new Entry("older", new byte[1], null, version(1_600_000_000_000L, 5), "node-b", false));
            log.append(set(2));
            assertEquals(3, log.pendingCount());
            assertEquals(1_600_000_000_000L, log.oldestPendingWallMs());
            log.drained(log.pending().get(1).endOffset());
            assertEquals(1, log.pendingCount());
            assertEquals(1_700_000_000_002L, log.oldestPendingWallMs());
            log.drained(log.pending().get(0).endOffset());
            assertEquals(0, log.pendingCount());
            assertEquals(0, log.oldestPendingWallMs());
        }
    }

    @Test
    void aRetryFindsItsFirstAttemptByItsIdempotencyKeyAlsoAfterARestart() throws IOException {
        IdempotencyKey k = new IdempotencyKey("retry-1", "f".repeat(64));
        try (HintLog log = new HintLog(dir)) {
            log.append(new BufferedWrite(set(1), Optional.of(k)));
            log.append(set(2));
            log.append(new BufferedWrite(set(3), Optional.of(k))); // a second attempt: the first stays the answer
            assertEquals(set(1).version(), log.pendingWith("retry-1").orElseThrow().entry().version());
            assertEquals(Optional.empty(), log.pendingWith("other"));
        }
        try (HintLog log = new HintLog(dir)) {
            HintLog.Pending first = log.pendingWith("retry-1").orElseThrow();
            assertEquals(set(1).version(), first.entry().version(), "the replayed log knows the key");
            assertEquals(Optional.of(k), first.write().idempotency());
            assertEquals(Optional.empty(), log.pending().get(1).write().idempotency());
            log.drained(first.endOffset());
            assertEquals(Optional.empty(), log.pendingWith("retry-1"), "drained: the primary has the key now");
        }
    }

    @Test
    void recordsOfTheFormatWithoutIdempotencyKeysAreStillRead() throws IOException {
        // Format 1: the payload ends after the value.
        Entry e = set(7);
        ByteBuffer v2 = HintLogCodec.encode(BufferedWrite.of(e));
        byte[] payloadV2 = new byte[v2.limit() - HintLogCodec.HEADER_BYTES];
        v2.position(HintLogCodec.HEADER_BYTES);
        v2.get(payloadV2);
        byte[] payload = java.util.Arrays.copyOf(payloadV2, payloadV2.length - 8); // two null lengths less
        payload[0] = HintLogCodec.FORMAT_WITHOUT_IDEMPOTENCY;
        ByteBuffer record = ByteBuffer.allocate(HintLogCodec.HEADER_BYTES + payload.length);
        record.putInt(HintLogCodec.MAGIC).putInt(payload.length).putInt(HintLogCodec.crc(payload, 0, payload.length))
                .put(payload).flip();
        Files.write(logFile(), java.util.Arrays.copyOf(record.array(), record.limit()));
        try (HintLog log = new HintLog(dir)) {
            assertEquals(1, log.pending().size());
            assertEquals(e.version(), log.pending().get(0).entry().version());
            assertArrayEquals(e.value(), log.pending().get(0).entry().value());
            assertEquals(Optional.empty(), log.pending().get(0).write().idempotency());
        }
    }
}
