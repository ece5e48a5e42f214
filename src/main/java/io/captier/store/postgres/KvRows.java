package io.captier.store.postgres;

import io.captier.store.Entry;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A row of the {@code kv} table as an {@link Entry}, both ways: the columns in one order
 * ({@link #COLUMNS}), read from a result set and bound as statement parameters in that order.
 * A tombstone is a row with {@code deleted} set (its value and content type are null).
 */
final class KvRows {

    /** The columns an entry is made of, in the order {@link #entry} reads and {@link #bind} binds them. */
    static final String COLUMNS = "key, value, content_type, version, origin, deleted";

    /** The row of one key (parameter 1), tombstones included. */
    static final String READ = "SELECT " + COLUMNS + " FROM kv WHERE key = ?";

    private KvRows() {
    }

    /**
     * The entry in the result set's current row, whose first six columns are {@link #COLUMNS}.
     *
     * @throws SQLException as the driver throws it
     */
    static Entry entry(ResultSet rs) throws SQLException {
        return new Entry(rs.getString(1), rs.getBytes(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                rs.getBoolean(6));
    }

    /**
     * Binds the entry as parameters 1 to 6, in the order of {@link #COLUMNS}.
     *
     * @throws SQLException as the driver throws it
     */
    static void bind(PreparedStatement ps, Entry e) throws SQLException {
        ps.setString(1, e.key());
        ps.setBytes(2, e.value());
        ps.setString(3, e.contentType());
        ps.setLong(4, e.version());
        ps.setString(5, e.origin());
        ps.setBoolean(6, e.deleted());
    }
}
