package io.captier.mode;

import io.captier.session.SessionToken;

import java.util.OptionalLong;

/**
 * @param maxStalenessMs a bound the client requires (X-Max-Staleness-Ms): no answer
 *                       beyond it, a 503 instead
 * @param session        what the client's session has seen: no answer older than that
 */
public record ReadRequest(String key, OptionalLong maxStalenessMs, SessionToken session) {
}
