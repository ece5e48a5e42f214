package io.captier.store.postgres;

import io.captier.store.Entry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What {@link KvRows#bind} sends as parameters 1 to 6 comes back as the same entry from
 * {@link KvRows#entry} reading columns 1 to 6: the two share one column order. The driver is
 * stood in for by proxies that keep parameters by index and serve them as columns.
 */
class KvRowsTest {

    @Test
    void anEntryBoundAsARowReadsBackAsTheSameEntry() throws Exception {
        List<Entry> entries = List.of(
                new Entry("k", "text".getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/plain", 1L << 40, "a-1", false),
                new Entry("bytes", new byte[] {(byte) 0xff, 0, (byte) 0xc3, 0x28}, "application/octet-stream", 7, "b", false),
                new Entry("untyped", new byte[0], null, 8, "c", false),
                Entry.tombstone("gone", 9, "instance-é"));
        for (Entry e : entries) {
            Map<Integer, Object> row = new HashMap<>();
            KvRows.bind(statementInto(row), e);
            assertEquals(e, KvRows.entry(resultSetOf(row)), e.toString());
        }
    }

    @Test
    void theColumnsAreTheOrderOfBindAndEntry() {
        assertEquals("key, value, content_type, version, origin, deleted", KvRows.COLUMNS);
    }

    private static PreparedStatement statementInto(Map<Integer, Object> row) {
        return (PreparedStatement) Proxy.newProxyInstance(KvRowsTest.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("set") && args.length == 2 && args[0] instanceof Integer i) {
                        row.put(i, args[1]);
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static ResultSet resultSetOf(Map<Integer, Object> row) {
        return (ResultSet) Proxy.newProxyInstance(KvRowsTest.class.getClassLoader(),
                new Class<?>[] {ResultSet.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("get") && args.length == 1 && args[0] instanceof Integer i) {
                        return row.get(i);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
