package io.captier.drill.history;

/**
 * One fault the drill injected, e.g. kind "kill pg-primary" on target "pg-a" from
 * {@code startMs} until it was healed at {@code endMs} (epoch millis).
 */
public record NemesisEvent(long startMs, long endMs, String kind, String target) {
}
