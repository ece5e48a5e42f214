package io.captier.store.hintlog;

import io.captier.store.BufferedWrite;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

import static io.captier.store.hintlog.HintLogCodec.HEADER_BYTES;
import static io.captier.store.hintlog.HintLogCodec.MAGIC;
import static io.captier.store.hintlog.HintLogCodec.MAX_PAYLOAD_BYTES;
import static io.captier.store.hintlog.HintLogCodec.MIN_PAYLOAD_BYTES;

/**
 * Reads the records of a hint log from an offset to the end, without ever giving up on
 * bad bytes: where a record is unreadable it looks for the next offset at which a whole,
 * valid record starts (the magic number, a possible length and a matching CRC) and goes
 * on from there, so a corrupt record costs only itself.
 *
 * <p>A bad region with no valid record after it is the <em>tail</em>: what an append that
 * died half-way leaves (a partial record, or zeros where the file system had grown the
 * file but not yet written it). The caller truncates it away.
 *
 * <p>Limit: the resynchronisation could take a value that itself holds a whole encoded
 * record for a real one. It only ever looks inside bytes that are already corrupt.
 */
final class HintLogScanner {

    /** A bad region: where it starts, how long it is, and what was wrong at its start. */
    record Problem(long offset, long length, boolean tail, String reason) {
        String describe() {
            return "offset " + offset + ": " + reason + "; "
                    + (tail ? "truncated " + length + " bytes at the end of the log" : "skipped " + length + " bytes");
        }
    }

    record Result(List<HintLog.Pending> records, List<Problem> problems, long validEnd) {
    }

    /** What is at one offset: an entry (and where its record ends), or why there is none. */
    private record Attempt(BufferedWrite write, long end, String reason) {
        static Attempt failed(String reason) {
            return new Attempt(null, -1, reason);
        }
    }

    private static final int WINDOW_BYTES = 64 * 1024;

    private final FileChannel channel;
    private final long size;

    private HintLogScanner(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    /** The records in {@code [from, size)}, the bad regions among them, and where the last valid record ends. */
    static Result scan(FileChannel channel, long from, long size) throws IOException {
        return new HintLogScanner(channel, size).scanFrom(from);
    }

    private Result scanFrom(long from) throws IOException {
        List<HintLog.Pending> records = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        long at = from;
        while (at < size) {
            Attempt attempt = read(at);
            if (attempt.write() != null) {
                records.add(new HintLog.Pending(attempt.write(), attempt.end()));
                at = attempt.end();
                continue;
            }
            long next = nextValidRecord(at + 1);
            if (next < 0) {
                problems.add(new Problem(at, size - at, true, attempt.reason()));
                break;
            }
            problems.add(new Problem(at, next - at, false, attempt.reason()));
            at = next;
        }
        return new Result(records, problems, Math.min(at, size));
    }

    private Attempt read(long at) throws IOException {
        long available = size - at;
        if (available < HEADER_BYTES) {
            return Attempt.failed("incomplete header (" + available + " bytes)");
        }
        ByteBuffer header = readFully(at, HEADER_BYTES);
        int magic = header.getInt(0);
        int length = header.getInt(4);
        if (magic != MAGIC) {
            return Attempt.failed(String.format("bad magic 0x%08x", magic));
        }
        if (length < MIN_PAYLOAD_BYTES || length > MAX_PAYLOAD_BYTES) {
            return Attempt.failed("impossible payload length " + length);
        }
        if (length > available - HEADER_BYTES) {
            return Attempt.failed("incomplete record: a payload of " + length + " bytes, " + (available - HEADER_BYTES)
                    + " in the file");
        }
        byte[] payload = readFully(at + HEADER_BYTES, length).array();
        if (HintLogCodec.crc(payload, 0, length) != header.getInt(8)) {
            return Attempt.failed("CRC mismatch");
        }
        try {
            return new Attempt(HintLogCodec.decode(payload), at + HEADER_BYTES + length, null);
        } catch (IllegalArgumentException e) {
            return Attempt.failed("unreadable payload: " + e.getMessage());
        }
    }

    /** The first offset at or after {@code from} where a valid record starts, or -1. */
    private long nextValidRecord(long from) throws IOException {
        long base = from;
        while (size - base >= HEADER_BYTES) {
            int n = (int) Math.min(WINDOW_BYTES, size - base);
            ByteBuffer window = readFully(base, n);
            for (int i = 0; i + 4 <= n; i++) {
                if (window.getInt(i) == MAGIC && read(base + i).write() != null) {
                    return base + i;
                }
            }
            base += n - 3; // windows overlap by 3 bytes so that a magic number across two is seen
        }
        return -1;
    }

    private ByteBuffer readFully(long at, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, at + buf.position()) < 0) {
                throw new EOFException("the hint log ended at " + (at + buf.position()) + " while being scanned");
            }
        }
        return buf.flip();
    }
}
