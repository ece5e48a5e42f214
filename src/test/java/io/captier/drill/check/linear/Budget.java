package io.captier.drill.check.linear;

/**
 * How much search one check may spend: a step count (deterministic, so a test can make
 * it run out) and a wall-clock limit (so a drill report never hangs on one key).
 */
public record Budget(long maxSteps, long maxMillis) {

    public static final Budget DEFAULT = new Budget(20_000_000, 10_000);

    public Meter start() {
        return new Meter(maxSteps, System.nanoTime() + maxMillis * 1_000_000);
    }

    /** A running budget; one search ticks it once per step. */
    public static final class Meter {
        private final long maxSteps;
        private final long deadlineNanos;
        private long steps;

        Meter(long maxSteps, long deadlineNanos) {
            this.maxSteps = maxSteps;
            this.deadlineNanos = deadlineNanos;
        }

        /** A fresh step count that still ends at this meter's deadline. */
        Meter child(long childMaxSteps) {
            return new Meter(childMaxSteps, deadlineNanos);
        }

        /** Count a step; false once the budget is spent. */
        boolean tick() {
            steps++;
            // Reading the clock costs more than a step: look at it every few thousand.
            return steps <= maxSteps && ((steps & 0xFFF) != 0 || System.nanoTime() < deadlineNanos);
        }

        boolean expired() {
            return steps > maxSteps || System.nanoTime() >= deadlineNanos;
        }

        public long steps() {
            return steps;
        }
    }
}
