package io.captier.store.redis;

import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The only way an entry is written into Redis: the Lua script
 * {@code redis/put-entry.lua}, which refuses a version not newer than the stored one (so
 * write-through, buffering and resync can race without ever going backwards).
 */
final class PutEntry {

    static final String SCRIPT = resource("/redis/put-entry.lua");
    static final String SHA = sha1(SCRIPT);
    /** The entry's fields as the script's first arguments, ARGV[1] onwards (see put-entry.lua). */
    static final List<String> ENTRY_ARGS = List.of(EntryFields.VERSION, EntryFields.VERSION_HIGH,
            EntryFields.VERSION_LOW, EntryFields.ORIGIN, EntryFields.DELETED, EntryFields.CONTENT_TYPE, EntryFields.VALUE);

    private PutEntry() {
    }

    /**
     * Run by its digest (the server caches the script); EVAL when the server lacks it. With
     * an Idempotency-Key, the key's answer is recorded too (see put-entry.lua).
     */
    static boolean project(RedisNode node, Entry entry, Optional<IdempotencyKey> idempotency) {
        try {
            return node.send(request(Command.EVALSHA, SHA, entry, false, idempotency)).toInteger() == 1;
        } catch (RedisNode.RedisErrorReply e) {
            if (!e.isNoScript()) {
                throw e;
            }
            return node.send(request(Command.EVAL, SCRIPT, entry, false, idempotency)).toInteger() == 1;
        }
    }

    /**
     * The script as EVAL with its text, for a write that also goes onto the pending stream,
     * with its Idempotency-Key when it has one. The answer is a list: see put-entry.lua.
     */
    static Request buffered(Entry entry, Optional<IdempotencyKey> idempotency) {
        return request(Command.EVAL, SCRIPT, entry, true, idempotency);
    }

    private static Request request(Command command, String script, Entry e, boolean pending,
                                   Optional<IdempotencyKey> idempotency) {
        String idem = idempotency.map(IdempotencyKey::key).orElse("");
        Request request = Request.cmd(command).arg(script).arg(3)
                .arg(RedisKeys.entry(e.key())).arg(RedisKeys.PENDING).arg(RedisKeys.idempotency(idem));
        Map<String, byte[]> fields = EntryFields.encode(e);
        ENTRY_ARGS.forEach(name -> request.arg(fields.get(name)));
        return request
                .arg(pending ? "1" : "0")
                .arg(e.key())
                .arg(idem)
                .arg(idempotency.map(IdempotencyKey::fingerprint).orElse(""))
                .arg(TimeUnit.HOURS.toSeconds(IdempotencyKey.RETENTION_HOURS));
    }

    private static String resource(String path) {
        try (InputStream in = PutEntry.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
