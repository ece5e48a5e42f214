package io.captier.client;

import java.util.OptionalLong;

/**
 * Options of one read.
 *
 * @param maxStalenessMs when present, sent as {@code X-Max-Staleness-Ms}: an available read
 *                       is answered only from a source at most this many milliseconds stale,
 *                       else 503 {@link UnavailableException} (README "API", docs/architecture.md A4); the
 *                       consistent profile is never stale
 */
public record ReadOptions(OptionalLong maxStalenessMs) {

    private static final ReadOptions DEFAULTS = new ReadOptions(OptionalLong.empty());

    /**
     * @param maxStalenessMs as above
     * @throws IllegalArgumentException when the bound is negative
     */
    public ReadOptions {
        if (maxStalenessMs == null) {
            maxStalenessMs = OptionalLong.empty();
        }
        if (maxStalenessMs.isPresent() && maxStalenessMs.getAsLong() < 0) {
            throw new IllegalArgumentException("max staleness is 0 ms or more, got " + maxStalenessMs.getAsLong());
        }
    }

    /** @return no options: the service's own staleness bound applies */
    public static ReadOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param millis the bound in milliseconds, 0 or more
     * @return options that require it
     */
    public static ReadOptions maxStalenessMs(long millis) {
        return new ReadOptions(OptionalLong.of(millis));
    }
}
