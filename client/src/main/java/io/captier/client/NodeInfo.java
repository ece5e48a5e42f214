package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.OptionalLong;

/**
 * One node of the topology as the answering instance sees it ({@code GET /nodes}).
 *
 * @param node        the node's name or address
 * @param kind        {@code postgres}, {@code redis} or {@code sentinel}
 * @param role        {@code primary}, {@code standby}, {@code master}, {@code replica},
 *                    {@code sentinel}, ... as probed
 * @param reachable   whether the instance's last probe reached it
 * @param fenced      for PostgreSQL: an old primary that must never take a write again
 * @param stalenessMs the upper bound, in milliseconds, of how stale its data may be; empty when
 *                    unknown or not applicable
 * @param json        the node's JSON object as sent, with every other member
 */
public record NodeInfo(String node, String kind, String role, boolean reachable, boolean fenced,
                       OptionalLong stalenessMs, JsonNode json) {

    static NodeInfo fromJson(JsonNode n) {
        return new NodeInfo(Json.text(n, "node"), Json.text(n, "kind"), Json.text(n, "role"), Json.flag(n, "reachable"),
                Json.flag(n, "fenced"), Json.wholeNumber(n, "staleness_ms"), n);
    }
}
