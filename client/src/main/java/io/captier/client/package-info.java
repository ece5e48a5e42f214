/**
 * A Java client for captier's HTTP API: {@link io.captier.client.CaptierClient} and the
 * types it takes and returns.
 *
 * <p>Where the rules come from: the "API" and "Authentication" sections of captier's
 * README (paths, keys, headers, problem types, session tokens, Idempotency-Key),
 * RFC 9110 (conditional requests: {@code If-Match}, {@code If-None-Match}, {@code 412};
 * {@code Retry-After}), RFC 9457 (problem details) and RFC 3986 (percent-encoding).
 *
 * <p>Every failure is a {@link io.captier.client.CaptierException}, unchecked, one subclass
 * per kind of problem; a key or option the client can tell is invalid before sending is
 * an {@link java.lang.IllegalArgumentException}.
 */
package io.captier.client;
