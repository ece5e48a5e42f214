package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One circuit breaker of the answering instance ({@code GET /circuit-breaker}).
 *
 * @param name      {@code postgres-primary}, {@code postgres-standby}, {@code redis-master},
 *                  or one per Redis replica
 * @param state     {@code closed}, {@code open} or {@code half-open}
 * @param failures  failed calls it counted
 * @param successes successful calls it counted
 * @param prevented calls it refused while open
 * @param since     when it entered its state, ISO-8601 as sent
 * @param json      the breaker's JSON object as sent
 */
public record BreakerInfo(String name, String state, long failures, long successes, long prevented, String since,
                          JsonNode json) {

    static BreakerInfo fromJson(JsonNode b) {
        return new BreakerInfo(Json.text(b, "name"), Json.text(b, "state"), Json.wholeNumber(b, "failures").orElse(0),
                Json.wholeNumber(b, "successes").orElse(0), Json.wholeNumber(b, "prevented").orElse(0),
                Json.text(b, "since"), b);
    }
}
