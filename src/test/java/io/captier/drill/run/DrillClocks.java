package io.captier.drill.run;

import io.captier.cluster.app.SkewedClock;
import io.captier.mode.Mode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The instances' wall clocks in a drill. Each instance runs on a {@link SkewedClock}
 * (libfaketime) from its start, at an offset drawn from the drill's seed, and the nemesis
 * steps one instance's clock per cycle ({@link #step}). The stores run on the machine's clock.
 *
 * <p>Every offset stays within {@link #BOUND_MS} of the machine's clock, so two instances
 * differ by at most twice that, below MAX_CLOCK_OFFSET_MS (500 by default, the skew the
 * contracts promise to hold under; docs/decisions.md, Clocks): beyond it the contract itself
 * gives up the staleness bound's terms measured from another clock, and the drill would fail
 * on a promise nobody made. Larger offsets and steps are {@code ClockSkewIT}'s.
 *
 * <p>Consistent instances step either way. Available instances step only forward, by a
 * random part of the room left below the bound: the ages they measure with their own clock at
 * both ends (heartbeats, the projection gap, the last-known cache) are wall-clock differences,
 * which a step back shortens by the step until the next heartbeat, so a backward step would
 * under-state staleness (the drill would rightly fail it) until those ages move to the
 * monotonic clock. A forward step over-states them for a moment, which the contract allows. An
 * instance killed and started again keeps its clock (the offset lives in a file), so a restart
 * is no step back either.
 */
final class DrillClocks implements AutoCloseable {

    /** The largest offset from the machine's clock, either way (ms). */
    static final long BOUND_MS = 200;

    private final Path dir;
    private final Random random;
    private final List<Instance> instances = new ArrayList<>();

    private record Instance(String name, Mode mode, SkewedClock clock) {
    }

    /** One clock change: whose, from which offset to which (ms ahead of the machine's clock). */
    record Step(String instance, long fromMs, long toMs) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%s %+d ms -> %+d ms", instance, fromMs, toMs);
        }
    }

    /**
     * @param seed the drill's seed, mixed: the same seed draws the same offsets and steps
     * @throws UncheckedIOException when the temp dir for the offset files cannot be made
     * @throws IllegalStateException when libfaketime cannot be installed or found ({@link SkewedClock#create})
     */
    DrillClocks(long seed) {
        try {
            this.dir = Files.createTempDirectory("captier-drill-clocks-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.random = new Random(seed);
    }

    /**
     * A clock for instance {@code name}: consistent ones anywhere within the bound, available
     * ones behind the machine's clock by half the bound to all of it (their room to step forward).
     *
     * @return the environment that starts the instance on it (LD_PRELOAD and libfaketime's settings)
     */
    Map<String, String> envFor(String name, Mode mode) {
        long offset = firstOffset(mode, random);
        Path own = dir.resolve(name);
        try {
            Files.createDirectories(own);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SkewedClock clock = SkewedClock.create(own, offset);
        instances.add(new Instance(name, mode, clock));
        return clock.env();
    }

    /** Each instance's offset now, "drill-cp-1 +35 ms, ...": for the narration. */
    String describe() {
        return String.join(", ", instances.stream().map(i -> String.format(java.util.Locale.ROOT, "%s %+d ms",
                i.name(), i.clock().offsetMs())).toList());
    }

    /**
     * Steps the clock of the {@code n}th instance (round the instances in the order they were
     * started): a consistent one to any offset within the bound, an available one forward by a
     * quarter to three quarters of its room left. Takes effect within a second (libfaketime
     * re-reads its file).
     *
     * @return the step
     * @throws IllegalStateException no instance has a clock yet (the drill starts all four first)
     */
    Step step(int n) {
        if (instances.isEmpty()) {
            throw new IllegalStateException("no drill instance has a clock yet");
        }
        Instance i = instances.get(n % instances.size());
        long from = i.clock().offsetMs();
        long to = nextOffset(i.mode(), from, random);
        i.clock().step(to);
        return new Step(i.name(), from, to);
    }

    /** An instance's first offset (ms), as {@link #envFor} describes it. */
    static long firstOffset(Mode mode, Random random) {
        return mode == Mode.CONSISTENT ? random.nextLong(-BOUND_MS, BOUND_MS + 1)
                : -BOUND_MS + random.nextLong(BOUND_MS / 2 + 1);
    }

    /** The offset (ms) an instance at {@code fromMs} steps to, as {@link #step} describes it. */
    static long nextOffset(Mode mode, long fromMs, Random random) {
        if (mode == Mode.CONSISTENT) {
            return random.nextLong(-BOUND_MS, BOUND_MS + 1);
        }
        long room = BOUND_MS - fromMs;
        return fromMs + (long) Math.floor(room * (0.25 + random.nextDouble() / 2));
    }

    /** Removes the offset files; only once no instance runs on them (libfaketime would go back to offset 0). */
    @Override
    public void close() {
        for (Instance i : instances) {
            deleteQuietly(dir.resolve(i.name()).resolve("faketime-offset"));
            deleteQuietly(dir.resolve(i.name()));
        }
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            p.toFile().deleteOnExit(); // a temp file left to the JVM's exit: nothing depends on it
        }
    }
}
