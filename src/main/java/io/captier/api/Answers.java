package io.captier.api;

import io.captier.mode.ReadResult;
import io.captier.mode.WriteResult;
import io.captier.store.Entry;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON bodies of successful answers (README, "API"). Versions are written as
 * decimal strings: an HLC version is above 2^53 and would lose digits in JavaScript.
 */
final class Answers {

    private Answers() {
    }

    static Map<String, Object> write(WriteResult w, String mode, String session) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", w.key());
        body.put("version", Long.toString(w.version()));
        if (w.origin() != null) {
            body.put("origin", w.origin());
        }
        body.put("mode", mode);
        body.put("durability", w.durability().wireName());
        body.put("session", session);
        if (w.replayed()) {
            body.put("replayed", true);
        }
        return body;
    }

    static Map<String, Object> read(ReadResult r, String mode) {
        Entry e = r.entry().orElseThrow();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", r.key());
        String text = utf8(e.value());
        if (text != null) {
            body.put("value", text);
        } else {
            body.put("value", Base64.getEncoder().encodeToString(e.value()));
            body.put("encoding", "base64");
        }
        body.put("content_type", e.contentType());
        body.put("version", Long.toString(e.version()));
        body.put("source", r.source().wireName());
        body.put("staleness_ms", r.stalenessMs());
        body.put("stale", r.stale());
        body.put("mode", mode);
        return body;
    }

    /** The bytes as text when they are valid UTF-8, else null (the answer uses base64). */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
