package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A value as a read answered it (README "API": {@code GET /read/{key}}).
 *
 * @param key         the key
 * @param value       the value's bytes (decoded from base64 when the service sent
 *                    {@code "encoding":"base64"}); a copy on the way in and out
 * @param contentType the content type the value was written with
 * @param version     its version: a hybrid logical clock value (48 bits of milliseconds,
 *                    16 of counter), sent as a decimal string because it exceeds 2^53
 * @param source      where it was read from: {@code postgres-primary}, {@code postgres-standby},
 *                    {@code redis-master}, {@code redis-replica}, {@code local-cache}
 * @param stalenessMs an upper bound, in milliseconds, of how far it may lag the latest
 *                    acknowledged write (0 on the consistent profile; docs/architecture.md A3)
 * @param stale       true when no source within the service's {@code MAX_STALENESS_MS} answered
 *                    and this one is older (docs/architecture.md A4)
 * @param mode        the profile that answered: {@code consistent} or {@code available}
 * @param json        the answer's JSON as sent
 */
public record ReadResult(String key, byte[] value, String contentType, long version, String source,
                         long stalenessMs, boolean stale, String mode, JsonNode json) {

    /**
     * @param key         as above
     * @param value       as above, copied
     * @param contentType as above
     * @param version     as above
     * @param source      as above
     * @param stalenessMs as above
     * @param stale       as above
     * @param mode        as above
     * @param json        as above
     */
    public ReadResult {
        value = value.clone();
    }

    /** @return a copy of the value's bytes */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /**
     * @return the value decoded as UTF-8 (the service sends a value as text exactly when its
     *         bytes are valid UTF-8; other bytes become U+FFFD here)
     */
    public String text() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /**
     * @param json the JSON of a 200 read answer
     * @return the result it describes
     * @throws IllegalArgumentException when a member the service always sends is missing
     */
    static ReadResult fromJson(JsonNode json) {
        String text = Objects.requireNonNullElse(Json.text(json, "value"), "");
        byte[] bytes = "base64".equals(Json.text(json, "encoding"))
                ? Base64.getDecoder().decode(text) : text.getBytes(StandardCharsets.UTF_8);
        long version = Json.wholeNumber(json, "version")
                .orElseThrow(() -> new IllegalArgumentException("the read answer has no version"));
        return new ReadResult(Json.text(json, "key"), bytes, Json.text(json, "content_type"), version,
                Json.text(json, "source"), Json.wholeNumber(json, "staleness_ms").orElse(0),
                Json.flag(json, "stale"), Json.text(json, "mode"), json);
    }

    /** @return whether {@code o} is a result with the same members, the value compared by content */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReadResult r && version == r.version && stalenessMs == r.stalenessMs && stale == r.stale
                && Objects.equals(key, r.key) && Arrays.equals(value, r.value) && Objects.equals(contentType, r.contentType)
                && Objects.equals(source, r.source) && Objects.equals(mode, r.mode) && Objects.equals(json, r.json);
    }

    /** @return a hash consistent with {@link #equals(Object)} */
    @Override
    public int hashCode() {
        return Objects.hash(key, Arrays.hashCode(value), contentType, version, source, stalenessMs, stale, mode);
    }

    /** @return the members, the value as its length only (it may be large or secret) */
    @Override
    public String toString() {
        return "ReadResult[key=" + key + ", value=" + value.length + " bytes, contentType=" + contentType
                + ", version=" + version + ", source=" + source + ", stalenessMs=" + stalenessMs + ", stale=" + stale
                + ", mode=" + mode + "]";
    }
}
