package io.captier.drill.run;

import io.captier.cluster.app.SkewedClock;

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
 * <p>Every instance steps either way, to another offset within the bound at least
 * {@link #MIN_STEP_MS} from the one it had. Available instances' ages measured with their own
 * clock at both ends (heartbeats, the projection gap, the last-known cache) are on
 * {@code MonotonicClock}, which a step does not move: a step back used to shorten them and
 * under-state staleness (docs/decisions.md, Drill). An instance killed and started again keeps
 * its clock as it stands (the offset lives in a file).
 */
final class DrillClocks implements AutoCloseable {

    /** The largest offset from the machine's clock, either way (ms). */
    static final long BOUND_MS = 200;
    /** The smallest step (ms): a step worth the name. */
    static final long MIN_STEP_MS = 50;

    private final Path dir;
    private final Random random;
    private final List<Instance> instances = new ArrayList<>();

    private record Instance(String name, SkewedClock clock) {
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
     * A clock for instance {@code name}, anywhere within the bound.
     *
     * @return the environment that starts the instance on it (LD_PRELOAD and libfaketime's settings)
     */
    Map<String, String> envFor(String name) {
        long offset = firstOffset(random);
        Path own = dir.resolve(name);
        try {
            Files.createDirectories(own);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SkewedClock clock = SkewedClock.create(own, offset);
        instances.add(new Instance(name, clock));
        return clock.env();
    }

    /** Each instance's offset now, "drill-cp-1 +35 ms, ...": for the narration. */
    String describe() {
        return String.join(", ", instances.stream().map(i -> String.format(java.util.Locale.ROOT, "%s %+d ms",
                i.name(), i.clock().offsetMs())).toList());
    }

    /**
     * Steps the clock of the {@code n}th instance (round the instances in the order they were
     * started) to another offset within the bound, either way, at least {@link #MIN_STEP_MS}
     * from where it was. Takes effect within a second (libfaketime re-reads its file).
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
        long to = nextOffset(from, random);
        i.clock().step(to);
        return new Step(i.name(), from, to);
    }

    /** An instance's first offset (ms), as {@link #envFor} describes it. */
    static long firstOffset(Random random) {
        return random.nextLong(-BOUND_MS, BOUND_MS + 1);
    }

    /** The offset (ms) an instance at {@code fromMs} steps to, as {@link #step} describes it. */
    static long nextOffset(long fromMs, Random random) {
        long to;
        do {
            to = random.nextLong(-BOUND_MS, BOUND_MS + 1);
        } while (Math.abs(to - fromMs) < MIN_STEP_MS);
        return to;
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
