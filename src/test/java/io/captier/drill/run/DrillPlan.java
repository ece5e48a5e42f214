package io.captier.drill.run;

import java.time.Duration;

/**
 * How big a drill is: fault cycles (each kills five nodes and, on a network topology, makes
 * two partitions, see {@link Nemesis}), clients
 * per profile and how many keep a session token, the key space per profile (small, so
 * keys collide), an upper bound on operations, and the random seed of the clients.
 */
public record DrillPlan(int cycles, int clientsPerProfile, int sessionClientsPerProfile, int keysPerProfile,
                        int maxOps, Duration pauseBetweenOps, long seed) {

    /**
     * The drill of the default test run: 4 cycles, 20 node kills and 8 partitions, about five
     * minutes on 2 cores. {@code -Ddrill.seed=N} repeats a drill's seed (printed at its start).
     */
    public static DrillPlan ci() {
        return new DrillPlan(4, 3, 2, 4, 200_000, Duration.ofMillis(20), chosenSeed());
    }

    /** A long soak for people: as many cycles as fit in {@code duration} (about 60 s each). */
    public static DrillPlan soak(Duration duration) {
        return new DrillPlan((int) Math.max(1, duration.toSeconds() / 60), 4, 2, 6, 5_000_000, Duration.ofMillis(10),
                chosenSeed());
    }

    /** {@code -Ddrill.seed}, else a new one. */
    private static long chosenSeed() {
        return Long.getLong("drill.seed", System.nanoTime());
    }

    public int kills() {
        return cycles * Nemesis.KILLS_PER_CYCLE;
    }
}
