package io.captier.store.postgres;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The {@code idempotency} table's records: one per Idempotency-Key, claimed in the same
 * transaction as the write it goes with, so that a key is applied at most once whichever
 * instance or buffer carries its attempts (docs/architecture.md A8; the table is V1__kv.sql's).
 */
final class IdempotencyRows {

    private static final String CLAIM = """
            INSERT INTO idempotency (idem_key, fingerprint, key, version, deleted, origin) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (idem_key) DO NOTHING""";
    private static final String READ = "SELECT fingerprint, version, origin FROM idempotency WHERE idem_key = ?";
    private static final String SETTLE = "UPDATE idempotency SET version = ? WHERE idem_key = ?";

    /**
     * One key's record.
     *
     * @param fingerprint the request it was claimed for ({@link IdempotencyKey#conflictsWith})
     * @param version     the version its write was applied at; 0 until a direct write settles it
     * @param origin      the instance that issued that version
     */
    record Recorded(String fingerprint, long version, String origin) {
    }

    private IdempotencyRows() {
    }

    /**
     * Claim the key in the caller's transaction. A concurrent request with the same key waits
     * on the record until that one ends, then finds it: at most one applies.
     *
     * @param version the write's version when known now (a buffered write), else 0 (then
     *                {@link #settle}d once the upsert decided it)
     * @return the earlier answer when the key was claimed before, for the same request
     * @throws IdempotencyKeyReused the key was claimed for another request
     */
    static Optional<PgStore.Committed> claim(Connection c, Entry proposed, long version, IdempotencyKey idem)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setString(1, idem.key());
            ps.setString(2, idem.fingerprint());
            ps.setString(3, proposed.key());
            ps.setLong(4, version);
            ps.setBoolean(5, proposed.deleted());
            ps.setString(6, proposed.origin());
            if (ps.executeUpdate() == 1) {
                return Optional.empty();
            }
        }
        Recorded first = read(c, idem.key()).orElseThrow();
        if (idem.conflictsWith(first.fingerprint())) {
            throw new IdempotencyKeyReused();
        }
        return Optional.of(new PgStore.Committed(first.version(), first.origin(), true));
    }

    /** The version a claimed key's direct write was applied at, in the claim's transaction. */
    static void settle(Connection c, IdempotencyKey idem, long version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SETTLE)) {
            ps.setLong(1, version);
            ps.setString(2, idem.key());
            ps.executeUpdate();
        }
    }

    /** The key's record as it is; empty when the key was never claimed (or has been purged). */
    static Optional<Recorded> read(Connection c, String idemKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(READ)) {
            ps.setString(1, idemKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Recorded(rs.getString(1), rs.getLong(2), rs.getString(3)))
                        : Optional.empty();
            }
        }
    }
}
