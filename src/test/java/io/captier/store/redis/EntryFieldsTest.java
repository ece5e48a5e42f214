package io.captier.store.redis;

import io.captier.store.Entry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EntryFields} is the one place the Redis field names of an entry live: an encoded
 * entry decodes to itself, and put-entry.lua, which keeps the names in its text (the script's
 * SHA-1 is its cache key, so it takes no names as arguments), uses exactly these names at the
 * argument positions {@link PutEntry#ENTRY_ARGS} sends them in.
 */
class EntryFieldsTest {

    /** A field and the argument it is set from: {@code 'ver', ARGV[1]}, or as two table.insert calls. */
    private static final Pattern PAIR = Pattern.compile(
            "'(\\w+)'(?:,\\s*|\\); table\\.insert\\(fields, )ARGV\\[(\\d+)]");

    @Test
    void everyEntryDecodesToItself() {
        List<Entry> entries = List.of(
                new Entry("k", "text".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", 42, "inst-1", false),
                new Entry("bytes", new byte[] {(byte) 0xff, 0, (byte) 0xc3, 0x28, (byte) 0x80}, "application/octet-stream",
                        (1L << 40) + 7, "inst-2", false),
                new Entry("untyped", new byte[0], null, Long.MAX_VALUE, "inst-3", false),
                Entry.tombstone("gone", 0xffffffffL + 1, "instance-é"));
        for (Entry e : entries) {
            Map<String, byte[]> fields = EntryFields.encode(e);
            assertEquals(Optional.of(e), EntryFields.decode(e.key(), fields::get), e.toString());
            long high = Long.parseLong(EntryFields.text(fields.get(EntryFields.VERSION_HIGH)));
            long low = Long.parseLong(EntryFields.text(fields.get(EntryFields.VERSION_LOW)));
            assertEquals(e.version(), (high << 32) | low, "the halves put-entry.lua compares make the version");
        }
    }

    @Test
    void aTombstoneHasNeitherValueNorContentTypeWhateverTheFieldsHold() {
        Map<String, byte[]> fields = new LinkedHashMap<>(EntryFields.encode(new Entry("k", new byte[] {1}, "x/y", 5, "o", false)));
        fields.put(EntryFields.DELETED, "1".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(Entry.tombstone("k", 5, "o")), EntryFields.decode("k", fields::get));
    }

    @Test
    void noVersionIsNoEntry() {
        assertEquals(Optional.empty(), EntryFields.decode("k", name -> null));
    }

    @Test
    void theReadAsksForEveryFieldDecodeNeeds() {
        List<String> asked = new ArrayList<>();
        EntryFields.decode("k", name -> {
            asked.add(name);
            return EntryFields.encode(new Entry("k", new byte[] {1}, "x/y", 5, "o", false)).get(name);
        });
        assertTrue(EntryFields.READ.containsAll(asked), asked + " not all in " + EntryFields.READ);
    }

    @Test
    void theScriptWritesTheHashWithTheseNamesAtTheseArguments() {
        Map<String, Integer> hash = pairs(statement("redis.call('HSET', KEYS[1],", ")"));
        assertEquals(Set.copyOf(PutEntry.ENTRY_ARGS), hash.keySet(), "the hash holds exactly the entry's fields");
        hash.forEach((name, argv) -> assertEquals(name, PutEntry.ENTRY_ARGS.get(argv - 1), "ARGV[" + argv + "]"));
        assertTrue(PutEntry.SCRIPT.contains("redis.call('HMGET', KEYS[1], '" + EntryFields.VERSION_HIGH + "', '"
                + EntryFields.VERSION_LOW + "', '" + EntryFields.ORIGIN + "')"), "the script compares by these fields");
    }

    @Test
    void theScriptPutsOnThePendingStreamWhatItsReaderDecodes() {
        Map<String, Integer> stream = pairs(statement("local fields = {", "}"));
        stream.putAll(pairs(statement("if idem then\n      table.insert", "end")));
        for (String name : PutEntry.ENTRY_ARGS) {
            if (stream.containsKey(name)) {
                assertEquals(name, PutEntry.ENTRY_ARGS.get(stream.get(name) - 1), name);
            }
        }
        assertEquals(Set.of(EntryFields.KEY, EntryFields.VERSION, EntryFields.ORIGIN, EntryFields.DELETED,
                        EntryFields.CONTENT_TYPE, EntryFields.VALUE, EntryFields.IDEMPOTENCY_KEY, EntryFields.FINGERPRINT),
                stream.keySet());
    }

    /** The script's text from {@code start} up to the first {@code end} after it. */
    private static String statement(String start, String end) {
        int at = PutEntry.SCRIPT.indexOf(start);
        assertTrue(at >= 0, "put-entry.lua has " + start);
        return PutEntry.SCRIPT.substring(at, PutEntry.SCRIPT.indexOf(end, at + start.length()));
    }

    private static Map<String, Integer> pairs(String text) {
        Map<String, Integer> pairs = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(text);
        while (m.find()) {
            pairs.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return pairs;
    }
}
