package io.captier.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.OptionalLong;

/** JSON reading shared by the client: one immutable, thread-safe mapper and lenient field access. */
final class Json {

    // Configured once here and never changed: an ObjectMapper is thread-safe for reading then.
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

    private Json() {
    }

    /** The member as text, or null when absent or JSON null. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * A whole number sent as a decimal string (captier's versions, above 2^53) or as a
     * JSON number (staleness); empty when absent, null or not a whole number.
     */
    static OptionalLong wholeNumber(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return OptionalLong.empty();
        }
        if (v.canConvertToExactIntegral() && v.canConvertToLong()) {
            return OptionalLong.of(v.asLong());
        }
        if (v.isTextual()) {
            try {
                return OptionalLong.of(Long.parseLong(v.asText()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /** The member as a boolean; false when absent. */
    static boolean flag(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.asBoolean(false);
    }
}
