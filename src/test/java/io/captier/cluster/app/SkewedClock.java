package io.captier.cluster.app;

import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A wall clock shifted by an offset that can be stepped while the process runs: Debian's
 * libfaketime preloaded into a captier instance, reading its offset from a file. Only the
 * wall clock moves (FAKETIME_DONT_FAKE_MONOTONIC=1): the JVM's timers and timeouts run on
 * the monotonic clock and would hang if it jumped. FAKETIME_FORCE_MONOTONIC_FIX=0 keeps
 * libfaketime out of pthread_cond_timedwait: with Debian's 0.9.10 and glibc 2.36 its fix
 * makes every timed wait of the JVM (Object.wait, parkNanos) return at once, and Quarkus
 * never finishes starting (tried here). The file is re-read at most once a second
 * (FAKETIME_CACHE_DURATION), so a {@link #step} takes effect within a second.
 *
 * <p>Use: {@code SkewedClock clock = SkewedClock.create(dir, 10_000);} then pass
 * {@link #env()} with the instance's settings (e.g. {@code stack.instance(name, mode, clock.env())}).
 */
public final class SkewedClock {

    private static final Pattern LIBRARY = Pattern.compile("libfaketimeMT\\.so\\.1");

    private final Path offsetFile;
    private final Path library;
    private volatile long offsetMs;

    private SkewedClock(Path offsetFile, Path library) {
        this.offsetFile = offsetFile;
        this.library = library;
    }

    /**
     * @param dir      a directory of the caller's (a test's temp dir) to keep the offset file in
     * @param offsetMs how far the clock runs ahead (negative: behind), in ms
     * @return a clock at that offset; installs faketime first if it is missing
     * @throws IllegalStateException when faketime's multi-threaded preload library cannot be found
     */
    public static SkewedClock create(Path dir, long offsetMs) {
        Binaries.requireFaketime();
        SkewedClock clock = new SkewedClock(dir.resolve("faketime-offset"), findLibrary());
        clock.step(offsetMs);
        return clock;
    }

    /** The environment that puts a process on this clock: to add to its other settings. */
    public Map<String, String> env() {
        return Map.of("LD_PRELOAD", library.toString(),
                "FAKETIME_TIMESTAMP_FILE", offsetFile.toString(),
                "FAKETIME_CACHE_DURATION", "1",
                "FAKETIME_DONT_FAKE_MONOTONIC", "1",
                "FAKETIME_FORCE_MONOTONIC_FIX", "0");
    }

    /**
     * Moves the clock to a new offset from the real time (not by a delta), atomically: a
     * reader sees the old file or the new one, never half of it.
     *
     * @param offsetMs the new offset in ms (negative: behind)
     */
    public void step(long offsetMs) {
        try {
            Path tmp = offsetFile.resolveSibling(offsetFile.getFileName() + ".tmp");
            // libfaketime's relative format: "+1.5" is 1.5 s ahead, "-0.25" 250 ms behind
            Files.writeString(tmp, String.format(java.util.Locale.ROOT, "%+.3f%n", offsetMs / 1000.0));
            Files.move(tmp, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            this.offsetMs = offsetMs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The offset last set, in ms. */
    public long offsetMs() {
        return offsetMs;
    }

    /**
     * The offset a new process on this clock sees now (ms): {@code date} run under {@link #env},
     * against this JVM's clock. Proves the offset file says what {@link #step} meant; a process
     * already running reads it within FAKETIME_CACHE_DURATION (1 s).
     *
     * @throws IllegalStateException when {@code date} fails or prints no number
     */
    public long seenOffsetMs() {
        long before = System.currentTimeMillis();
        Processes.Result r = Processes.run(List.of("date", "+%s%3N"), env(), null, Duration.ofSeconds(10));
        long after = System.currentTimeMillis();
        if (!r.ok() || !r.out().strip().matches("[0-9]+")) {
            throw new IllegalStateException("date under libfaketime failed: " + r);
        }
        return Long.parseLong(r.out().strip()) - (before + after) / 2;
    }

    private static Path findLibrary() {
        try (Stream<Path> found = Files.walk(Path.of("/usr/lib"), 3)) {
            return found.filter(p -> LIBRARY.matcher(p.getFileName().toString()).matches()).findFirst()
                    .orElseThrow(() -> new IllegalStateException("libfaketimeMT.so.1 not found under /usr/lib "
                            + "although faketime is installed"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
