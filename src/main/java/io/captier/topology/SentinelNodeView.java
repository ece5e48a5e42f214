package io.captier.topology;

/**
 * One configured sentinel in a {@link TopologyView}.
 *
 * @param address      host:port from REDIS_SENTINELS
 * @param answeredAtMs when its latest answer was asked for ({@code MonotonicClock} ms), 0 if it never answered
 */
public record SentinelNodeView(String address, long answeredAtMs) {
}
