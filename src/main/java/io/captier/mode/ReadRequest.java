package io.captier.mode;

import java.util.OptionalLong;

/**
 * @param maxStalenessMs a bound the client requires (X-Max-Staleness-Ms): no answer
 *                       beyond it, a 503 instead
 */
public record ReadRequest(String key, OptionalLong maxStalenessMs) {
}
