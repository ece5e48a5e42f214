package io.captier.store.redis;

import io.captier.store.Entry;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The fields an entry is stored under in Redis, and their encoding: the hash of a key
 * ({@link RedisKeys#entry}) and an entry of the pending stream ({@link RedisKeys#PENDING})
 * hold the same fields, which {@code redis/put-entry.lua} writes and the readers here decode.
 * The script names the fields itself (a Lua script's text is its cache key); EntryFieldsTest
 * pins its names and argument order to these.
 *
 * <p>Encoding: text is UTF-8, the value its raw bytes; a missing content type or value is
 * stored empty, and a tombstone has {@code del} 1 and no value or content type when read.
 * The version is also kept as two 32-bit halves, because Lua numbers cannot hold 64 bits
 * (put-entry.lua compares those).
 */
final class EntryFields {

    static final String VALUE = "v";
    static final String CONTENT_TYPE = "ct";
    static final String VERSION = "ver";
    static final String VERSION_HIGH = "vh";
    static final String VERSION_LOW = "vl";
    static final String ORIGIN = "o";
    static final String DELETED = "del";
    /** Only on the pending stream: the key the entry belongs to (the hash has it in its name). */
    static final String KEY = "key";
    /** Only on the pending stream, when the write came with one: its Idempotency-Key. */
    static final String IDEMPOTENCY_KEY = "ik";
    /** Only on the pending stream, with {@link #IDEMPOTENCY_KEY}: the request's fingerprint. */
    static final String FINGERPRINT = "fp";

    /** The fields a read of the hash asks for, in the order of its HMGET. */
    static final List<String> READ = List.of(VALUE, CONTENT_TYPE, VERSION, ORIGIN, DELETED);

    private EntryFields() {
    }

    /**
     * The hash's fields for an entry, as the script stores them.
     *
     * @return field name to bytes, in the order put-entry.lua takes them as arguments
     */
    static Map<String, byte[]> encode(Entry e) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        fields.put(VERSION, utf8(Long.toString(e.version())));
        fields.put(VERSION_HIGH, utf8(Long.toString(e.version() >>> 32)));
        fields.put(VERSION_LOW, utf8(Long.toString(e.version() & 0xffffffffL)));
        fields.put(ORIGIN, utf8(e.origin()));
        fields.put(DELETED, utf8(e.deleted() ? "1" : "0"));
        fields.put(CONTENT_TYPE, utf8(e.contentType() == null ? "" : e.contentType()));
        fields.put(VALUE, e.value() == null ? new byte[0] : e.value());
        return fields;
    }

    /**
     * The entry stored under these fields.
     *
     * @param key   the key it belongs to
     * @param field a field's bytes by name; null when the hash or stream entry lacks it
     * @return empty when there is no version: the hash does not exist
     */
    static Optional<Entry> decode(String key, Function<String, byte[]> field) {
        String version = text(field.apply(VERSION));
        if (version == null) {
            return Optional.empty();
        }
        boolean deleted = "1".equals(text(field.apply(DELETED)));
        String contentType = text(field.apply(CONTENT_TYPE));
        return Optional.of(new Entry(key, deleted ? null : field.apply(VALUE),
                deleted || contentType == null || contentType.isEmpty() ? null : contentType,
                Long.parseLong(version), text(field.apply(ORIGIN)), deleted));
    }

    /** HMGET of the {@link #READ} fields of a key's hash. */
    static Request read(String key) {
        Request hmget = Request.cmd(Command.HMGET).arg(RedisKeys.entry(key));
        READ.forEach(hmget::arg);
        return hmget;
    }

    /** The entry in the answer to {@link #read}; empty when the key has no hash. */
    static Optional<Entry> decode(String key, Response hmget) {
        return decode(key, name -> bytes(hmget.get(READ.indexOf(name))));
    }

    /** A reply's bytes; null for a nil reply. */
    static byte[] bytes(Response r) {
        return r == null ? null : r.toBytes();
    }

    /** UTF-8 text of a field's bytes; null for a missing field. */
    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
