package io.captier.version;

/**
 * A version seen from a clock further ahead of this instance's wall clock than
 * MAX_CLOCK_OFFSET_MS allows (docs/architecture.md A6), which the
 * {@link Hlc} therefore did not adopt. Fired as a CDI event; observability/Metrics counts it
 * ({@code clock_offset_total}) and logs {@code CLOCK_OFFSET}.
 *
 * @param version the version seen (HLC: 48 bits of wall-clock ms, 16 of counter)
 * @param aheadMs how far its wall-clock part was ahead of this instance's clock, in ms
 *                (always more than {@code maxOffsetMs})
 * @param maxOffsetMs the bound in force (MAX_CLOCK_OFFSET_MS)
 */
public record ClockOffset(long version, long aheadMs, long maxOffsetMs) {
}
