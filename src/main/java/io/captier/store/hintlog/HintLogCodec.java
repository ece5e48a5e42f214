package io.captier.store.hintlog;

import io.captier.store.BufferedWrite;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The byte layout of one hint-log record (big-endian throughout):
 *
 * <pre>
 *   magic (int) | payload length (int) | CRC32C of the payload (int) | payload
 *   payload = format (byte) | version (long) | deleted (byte 0/1)
 *           | origin | key | content type | value | idempotency key | fingerprint
 * </pre>
 *
 * Each of the last six is an int length followed by that many bytes (strings as UTF-8);
 * a length of -1 means null, allowed only for the content type, the value and the
 * Idempotency-Key with its request's fingerprint (both null or neither). Every length is
 * bounded, so a reader can tell an impossible header from a real one before it trusts it.
 * Format 1, written before Idempotency-Keys went into the log, ends after the value; it is
 * still read.
 */
final class HintLogCodec {

    /** Marks where a record starts, so that a scan can find the next one after corruption. */
    static final int MAGIC = 0xCA91_4E17;
    static final int HEADER_BYTES = 12;
    static final byte FORMAT = 2;
    /** Records without the last two fields, from before format 2. */
    static final byte FORMAT_WITHOUT_IDEMPOTENCY = 1;

    static final int MAX_KEY_BYTES = 512;
    /** The origin (an INSTANCE_ID, at most 64 characters) and the content type. */
    static final int MAX_TEXT_BYTES = 1024;
    static final int MAX_VALUE_BYTES = 16 << 20;

    static final int MIN_PAYLOAD_BYTES = 1 + 8 + 1 + 4 * 4;
    static final int MAX_PAYLOAD_BYTES = MIN_PAYLOAD_BYTES + 2 * 4 + MAX_KEY_BYTES + 4 * MAX_TEXT_BYTES + MAX_VALUE_BYTES;

    private static final int NULL_LENGTH = -1;

    private HintLogCodec() {
    }

    /**
     * The whole record (header and payload), ready to write.
     *
     * @throws IllegalArgumentException if a field is missing or beyond its bound: checked
     *                                  here, before anything touches the file
     */
    static ByteBuffer encode(BufferedWrite write) {
        Entry e = write.entry();
        byte[] idemKey = text(write.idempotency().map(IdempotencyKey::key).orElse(null), "idempotency key",
                MAX_TEXT_BYTES, true);
        byte[] fingerprint = text(write.idempotency().map(IdempotencyKey::fingerprint).orElse(null), "fingerprint",
                MAX_TEXT_BYTES, true);
        byte[] origin = text(e.origin(), "origin", MAX_TEXT_BYTES, false);
        byte[] key = text(e.key(), "key", MAX_KEY_BYTES, false);
        byte[] contentType = text(e.contentType(), "content type", MAX_TEXT_BYTES, true);
        byte[] value = e.value();
        if (value != null && value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("the value is " + value.length + " bytes; the hint log takes at most "
                    + MAX_VALUE_BYTES);
        }
        int payloadLength = MIN_PAYLOAD_BYTES + 2 * 4 + origin.length + key.length + length(contentType) + length(value)
                + length(idemKey) + length(fingerprint);
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + payloadLength);
        buf.putInt(MAGIC).putInt(payloadLength).putInt(0); // the CRC goes in once the payload is there
        buf.put(FORMAT).putLong(e.version()).put((byte) (e.deleted() ? 1 : 0));
        putBytes(buf, origin);
        putBytes(buf, key);
        putBytes(buf, contentType);
        putBytes(buf, value);
        putBytes(buf, idemKey);
        putBytes(buf, fingerprint);
        buf.putInt(8, crc(buf.array(), HEADER_BYTES, payloadLength));
        return buf.flip();
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /**
     * The write a payload (whose CRC already matched) holds.
     *
     * @throws IllegalArgumentException if it is not a well-formed payload of a known format
     */
    static BufferedWrite decode(byte[] payload) {
        ByteBuffer buf = ByteBuffer.wrap(payload);
        try {
            byte format = buf.get();
            if (format != FORMAT && format != FORMAT_WITHOUT_IDEMPOTENCY) {
                throw new IllegalArgumentException("unknown format " + format);
            }
            long version = buf.getLong();
            byte deleted = buf.get();
            if (deleted != 0 && deleted != 1) {
                throw new IllegalArgumentException("deleted flag " + deleted);
            }
            String origin = string(getBytes(buf, "origin", MAX_TEXT_BYTES, false));
            String key = string(getBytes(buf, "key", MAX_KEY_BYTES, false));
            String contentType = string(getBytes(buf, "content type", MAX_TEXT_BYTES, true));
            byte[] value = getBytes(buf, "value", MAX_VALUE_BYTES, true);
            Optional<IdempotencyKey> idempotency = Optional.empty();
            if (format == FORMAT) {
                String idemKey = string(getBytes(buf, "idempotency key", MAX_TEXT_BYTES, true));
                String fingerprint = string(getBytes(buf, "fingerprint", MAX_TEXT_BYTES, true));
                if ((idemKey == null) != (fingerprint == null)) {
                    throw new IllegalArgumentException("an idempotency key without its fingerprint, or the reverse");
                }
                idempotency = Optional.ofNullable(idemKey).map(k -> new IdempotencyKey(k, fingerprint));
            }
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " bytes after the last field");
            }
            return new BufferedWrite(new Entry(key, value, contentType, version, origin, deleted == 1), idempotency);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the payload ends inside a field");
        }
    }

    private static byte[] text(String s, String field, int max, boolean nullable) {
        if (s == null) {
            if (nullable) {
                return null;
            }
            throw new IllegalArgumentException("the " + field + " is missing");
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > max) {
            throw new IllegalArgumentException("the " + field + " is " + bytes.length + " bytes; at most " + max);
        }
        return bytes;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putBytes(ByteBuffer buf, byte[] bytes) {
        if (bytes == null) {
            buf.putInt(NULL_LENGTH);
        } else {
            buf.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer buf, String field, int max, boolean nullable) {
        int length = buf.getInt();
        if (length == NULL_LENGTH && nullable) {
            return null;
        }
        if (length < 0 || length > max || length > buf.remaining()) {
            throw new IllegalArgumentException("impossible " + field + " length " + length);
        }
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return bytes;
    }

    private static String string(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
