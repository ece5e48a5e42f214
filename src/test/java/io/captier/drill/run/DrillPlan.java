package io.captier.drill.run;

import java.time.Duration;
import java.util.List;

/**
 * How big a drill is: fault cycles (each kills five or six nodes and, on a network topology, makes
 * two partitions, see {@link Nemesis}), clients
 * per profile and how many keep a session token, the key space per profile (small, so
 * keys collide), an upper bound on operations, the random seed of the clients, and how long
 * a key is used before the clients move on to new ones (zero: the whole drill).
 */
public record DrillPlan(int cycles, int clientsPerProfile, int sessionClientsPerProfile, int keysPerProfile,
                        int maxOps, Duration pauseBetweenOps, long seed, Duration keyLifetime) {

    /** The same keys for the whole drill. */
    public DrillPlan(int cycles, int clientsPerProfile, int sessionClientsPerProfile, int keysPerProfile,
                     int maxOps, Duration pauseBetweenOps, long seed) {
        this(cycles, clientsPerProfile, sessionClientsPerProfile, keysPerProfile, maxOps, pauseBetweenOps, seed,
                Duration.ZERO);
    }

    /**
     * The drill of the default test run: 4 cycles, 22 node kills and 8 partitions, about five
     * minutes on 2 cores. {@code -Ddrill.seed=N} repeats a drill's seed (printed at its start).
     */
    public static DrillPlan ci() {
        return new DrillPlan(4, 3, 2, 4, 200_000, Duration.ofMillis(20), chosenSeed());
    }

    /**
     * A long soak for people: as many cycles as fit in {@code duration} (about 66 s each). Its
     * keys are new every 3 minutes: the linearizability search decides a key of the default
     * drill's length (a few thousand operations) but gave up on the hour-long keys of a soak
     * with one key space (about 80 000 operations each), which left them unchecked.
     */
    public static DrillPlan soak(Duration duration) {
        return new DrillPlan((int) Math.max(1, duration.toSeconds() / 66), 4, 2, 6, 5_000_000, Duration.ofMillis(10),
                chosenSeed(), Duration.ofMinutes(3));
    }

    /**
     * The key a client draws as key {@code index} at {@code nowMs}: with a key lifetime, the
     * name carries the lifetime window it was drawn in, so each key's history stays short.
     */
    public String key(List<String> keys, int index, long nowMs) {
        String key = keys.get(index);
        return keyLifetime.isZero() ? key : key + "-t" + nowMs / keyLifetime.toMillis();
    }

    /** {@code -Ddrill.seed}, else a new one. */
    private static long chosenSeed() {
        return Long.getLong("drill.seed", System.nanoTime());
    }
}
