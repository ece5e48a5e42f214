package io.captier.store.hintlog;

import io.captier.store.BufferedWrite;
import io.captier.store.Entry;
import org.jboss.logging.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.HashMap;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The instance's own append-only log of writes accepted while no store could take them
 * ({@code hints.log}; record layout in {@link HintLogCodec}). An append is fsynced before
 * it returns, so a 202 is only sent for a write that survives a crash. A reconciler drains
 * the records in order and reports its progress with {@link #drained}, which is kept in
 * {@code hints.checkpoint} (the end offset of the last drained record, as text).
 *
 * <p>Opening scans the records after the checkpoint once. Bad bytes never stop it (see
 * {@link HintLogScanner}): a bad region in the middle is skipped and stays in the file
 * until the log is next compacted; a bad tail is truncated, so that new appends never
 * land behind garbage.
 *
 * <p>Crash safety. The checkpoint is replaced atomically (temp file, fsync, rename, fsync
 * of the directory), so it is always an old or a new value, and only ever names records
 * that were drained: a crash before it is durable re-delivers records, which is harmless
 * (applying them is idempotent). Once everything is drained the log is compacted: the
 * checkpoint is first set to the end of the log, then the log truncated to zero (and
 * fsynced), then the checkpoint reset to zero. A crash between the last two steps leaves a
 * checkpoint beyond the end of the log, which opening reads as "replay from zero" (there is
 * nothing left to replay), and resets. No append happens before the reset is durable:
 * were the log to grow again past the stale checkpoint, the new records before it would
 * be skipped, which is the one way this design could lose a write.
 */
public final class HintLog implements Closeable {

    private static final Logger LOG = Logger.getLogger(HintLog.class);

    static final String LOG_FILE = "hints.log";
    static final String CHECKPOINT_FILE = "hints.checkpoint";
    private static final String CHECKPOINT_TEMP = "hints.checkpoint.tmp";

    /** A record not yet drained, and the offset to pass to {@link #drained} once it is. */
    public record Pending(BufferedWrite write, long endOffset) {

        public Entry entry() {
            return write.entry();
        }
    }

    private final Path dir;
    private final Path logFile;
    private final List<String> problems;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** The pending records that came with an Idempotency-Key, by that key: a retry finds its first attempt here. */
    private final Map<String, Pending> byIdempotencyKey = new HashMap<>();
    // Read on every available read (staleness bounds): kept up to date, not recomputed.
    private volatile long oldestPendingWallMs;
    private FileChannel channel;
    /** Where the next record goes: the end of the last good one. */
    private long size;
    private long checkpoint;
    /** The log was truncated but the checkpoint not yet reset: no append until it is. */
    private boolean checkpointBeyondEnd;
    private boolean closed;

    public HintLog(Path dir) throws IOException {
        this.dir = dir;
        this.logFile = dir.resolve(LOG_FILE);
        Files.createDirectories(dir);
        boolean created = !Files.exists(logFile);
        channel = open();
        try {
            if (created) {
                fsyncDirectory(); // the new file's name must survive a crash along with its records
            }
            List<String> found = new ArrayList<>();
            size = channel.size();
            long stored = readCheckpoint(found);
            checkpoint = stored < 0 || stored > size ? 0 : stored; // beyond the end: an interrupted compaction
            HintLogScanner.Result scan = HintLogScanner.scan(channel, checkpoint, size);
            for (HintLogScanner.Problem problem : scan.problems()) {
                String tag = problem.tail() ? "HINT_LOG_TORN_TAIL" : "HINT_LOG_CORRUPT";
                found.add(report(tag, problem.describe()));
            }
            scan.records().forEach(this::enqueue);
            recomputeOldest();
            if (scan.validEnd() < size) {
                channel.truncate(scan.validEnd());
                channel.force(true);
                size = scan.validEnd();
            }
            if (checkpoint != stored) {
                writeCheckpoint(checkpoint);
            }
            if (pending.isEmpty() && size > 0) {
                compact(); // drained before the last shutdown, or crashed before compacting
            }
            problems = List.copyOf(found);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Appends a write without an Idempotency-Key; see {@link #append(BufferedWrite)}. */
    public void append(Entry e) throws IOException {
        append(BufferedWrite.of(e));
    }

    /** Appends a write and returns once it is on disk (fdatasync). */
    public synchronized void append(BufferedWrite write) throws IOException {
        Entry e = write.entry();
        ByteBuffer record = HintLogCodec.encode(write);
        if (checkpointBeyondEnd) {
            resetCheckpoint();
        }
        long start = size;
        try {
            FileChannel ch = channel();
            while (record.hasRemaining()) {
                ch.write(record, start + record.position());
            }
            ch.force(false);
        } catch (IOException | RuntimeException failure) {
            // The caller answers with an error, so the record had better not stay. If even the
            // truncation fails, the next append overwrites it from the same offset anyway.
            try {
                channel().truncate(start);
            } catch (IOException again) {
                failure.addSuppressed(again);
            }
            throw failure;
        }
        size = start + record.limit();
        enqueue(new Pending(write, size));
        long wallMs = e.version() >>> 16;
        if (oldestPendingWallMs == 0 || wallMs < oldestPendingWallMs) {
            oldestPendingWallMs = wallMs;
        }
    }

    /**
     * Appends a write unless one with the same Idempotency-Key is pending already, in one
     * step, so that two concurrent attempts of one key on this instance cannot both go in.
     *
     * @return the pending first attempt when there is one (nothing was appended), else empty
     *         once the write is on disk
     */
    public synchronized Optional<Pending> appendUnlessPending(BufferedWrite write) throws IOException {
        Optional<Pending> first = write.idempotency().flatMap(k -> pendingWith(k.key()));
        if (first.isEmpty()) {
            append(write);
        }
        return first;
    }

    /**
     * The pending record that came with this Idempotency-Key, if any: the first attempt of a
     * retry that reaches the same instance, also after a restart (the log is replayed).
     */
    public synchronized Optional<Pending> pendingWith(String idempotencyKey) {
        return Optional.ofNullable(byIdempotencyKey.get(idempotencyKey));
    }

    /** Whether a write to this key (the data key) waits here. */
    public synchronized boolean hasPending(String key) {
        return pending.stream().anyMatch(p -> p.entry().key().equals(key));
    }

    /** The records not yet drained, oldest first. */
    public synchronized List<Pending> pending() {
        return List.copyOf(pending);
    }

    /**
     * Durably records that every pending record up to the one ending at {@code endOffset}
     * has been drained; compacts the log when that was the last one. Offsets already
     * recorded are ignored.
     */
    public synchronized void drained(long endOffset) throws IOException {
        if (endOffset <= checkpoint) {
            return;
        }
        if (pending.stream().noneMatch(p -> p.endOffset() == endOffset)) {
            throw new IllegalArgumentException("no pending record of the hint log ends at " + endOffset);
        }
        writeCheckpoint(endOffset); // before forgetting anything: a failure leaves all as it was
        checkpoint = endOffset;
        while (!pending.isEmpty() && pending.peekFirst().endOffset() <= endOffset) {
            Pending done = pending.removeFirst();
            done.write().idempotency().ifPresent(k -> byIdempotencyKey.remove(k.key(), done));
        }
        recomputeOldest();
        if (pending.isEmpty()) {
            compact();
        }
    }

    public synchronized long pendingCount() {
        return pending.size();
    }

    /** The wall-clock part of the oldest pending version (HLC: 48 bits of ms, 16 of counter), or 0. */
    public long oldestPendingWallMs() {
        return oldestPendingWallMs;
    }

    private void enqueue(Pending p) {
        pending.addLast(p);
        // The first attempt stays the one a retry is answered with.
        p.write().idempotency().ifPresent(k -> byIdempotencyKey.putIfAbsent(k.key(), p));
    }

    private void recomputeOldest() {
        oldestPendingWallMs = pending.stream().mapToLong(p -> p.entry().version() >>> 16).min().orElse(0);
    }

    /** What opening found wrong with the files, one line each. */
    public List<String> problems() {
        return problems;
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        channel.close();
    }

    /**
     * Empties the fully drained log. Never throws: the drain itself is already recorded,
     * and a compaction that fails is tried again after the next full drain (or opening).
     */
    private void compact() {
        try {
            channel().truncate(0);
            size = 0;
            checkpointBeyondEnd = true;
            channel().force(true);
            resetCheckpoint();
        } catch (IOException e) {
            LOG.warnf("HINT_LOG_COMPACTION_FAILED file=%s error=%s (retried before the next append)", logFile, e);
        }
    }

    private void resetCheckpoint() throws IOException {
        writeCheckpoint(0);
        checkpoint = 0;
        checkpointBeyondEnd = false;
    }

    /** The stored checkpoint, or -1 if there is none that can be read. */
    private long readCheckpoint(List<String> found) throws IOException {
        Path file = dir.resolve(CHECKPOINT_FILE);
        if (!Files.exists(file)) {
            return -1;
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        try {
            long offset = Long.parseLong(text);
            if (offset >= 0) {
                return offset;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        found.add(report("HINT_LOG_CORRUPT", CHECKPOINT_FILE + " holds '" + text + "'; replaying the whole log"));
        return -1;
    }

    private void writeCheckpoint(long offset) throws IOException {
        Path temp = dir.resolve(CHECKPOINT_TEMP);
        try (FileChannel ch = FileChannel.open(temp, CREATE, WRITE, TRUNCATE_EXISTING)) {
            ByteBuffer text = ByteBuffer.wrap((offset + "\n").getBytes(StandardCharsets.US_ASCII));
            while (text.hasRemaining()) {
                ch.write(text);
            }
            ch.force(true);
        }
        Files.move(temp, dir.resolve(CHECKPOINT_FILE), ATOMIC_MOVE, REPLACE_EXISTING);
        fsyncDirectory();
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, READ)) {
            d.force(true);
        }
    }

    /**
     * The log's channel, opened again if an interrupted request thread closed it (a
     * FileChannel closes itself for everyone when a thread using it is interrupted).
     */
    private FileChannel channel() throws IOException {
        if (!channel.isOpen()) {
            if (closed) {
                throw new ClosedChannelException();
            }
            channel = open();
        }
        return channel;
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(logFile, CREATE, READ, WRITE);
    }

    private String report(String tag, String description) {
        LOG.warnf("%s file=%s %s", tag, logFile, description);
        return description;
    }
}
