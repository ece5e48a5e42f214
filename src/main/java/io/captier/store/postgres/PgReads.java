package io.captier.store.postgres;

import io.captier.failure.StoreUnavailableException;
import io.captier.observability.DbSpans;
import io.captier.resilience.Breaker;
import io.captier.resilience.Breakers;
import io.captier.store.Entry;
import io.captier.version.Hlc;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reads captier makes of the kv table: one key on the primary (consistent reads, C1; the
 * last source of an available read, A2) or on a standby (A2, with the staleness its replay lag
 * gives), and the pages of changed rows that resync the Redis projection. Writes are
 * {@link PgStore}. The version a key read finds is shown to the hybrid logical clock (A6).
 */
@ApplicationScoped
public class PgReads {

    private static final String CHANGED_SINCE = """
            SELECT %s, updated_at FROM kv
            WHERE (updated_at, key) > (?, ?) ORDER BY updated_at, key LIMIT ?""".formatted(KvRows.COLUMNS);

    private final PgCluster cluster;
    private final Breakers breakers;
    private final PgCalls calls;
    private final Hlc hlc;

    public PgReads(PgCluster cluster, Breakers breakers, Hlc hlc) {
        this.cluster = cluster;
        this.breakers = breakers;
        this.calls = new PgCalls(cluster, breakers);
        this.hlc = hlc;
    }

    /** What a node holds for a key (empty when it has never heard of it, tombstones included), and which node. */
    public record Stored(Optional<Entry> entry, PgNode node) {
    }

    /**
     * The key's row on the primary.
     *
     * @throws StoreUnavailableException no reachable, unfenced primary, its breaker is open, or the call failed
     */
    @WithSpan(value = "postgres.read-primary", kind = SpanKind.CLIENT)
    public Stored readPrimary(String key) {
        // The primary is looked up here rather than by PgCalls.onPrimary: the answer names it.
        PgNode node = cluster.primary();
        DbSpans.describe(Span.current(), DbSpans.POSTGRESQL, "SELECT", node.name());
        return new Stored(read(node, node.primaryPool(), breakers.get(Breakers.PG_PRIMARY), key), node);
    }

    /**
     * The key's row on {@code standby}, as far as its replay has come.
     *
     * @throws StoreUnavailableException the standby's breaker is open, or the call failed
     */
    @WithSpan(value = "postgres.read-standby", kind = SpanKind.CLIENT)
    public Stored readStandby(PgNode standby, String key) {
        DbSpans.describe(Span.current(), DbSpans.POSTGRESQL, "SELECT", standby.name());
        return new Stored(read(standby, standby.anyPool(), breakers.get(Breakers.PG_STANDBY), key), standby);
    }

    /** One page of rows changed after a cursor, oldest first, and the cursor after it. */
    public record Page(List<Entry> entries, Timestamp lastUpdatedAt, String lastKey) {
    }

    /**
     * Up to {@code limit} rows whose (updated_at, key) come after the cursor, read on the primary:
     * for resyncing the projection.
     *
     * @throws StoreUnavailableException the primary could not be reached
     */
    public Page changedAfter(Timestamp updatedAt, String key, int limit) {
        return calls.onPrimary(c -> {
            try (PreparedStatement ps = c.prepareStatement(CHANGED_SINCE)) {
                ps.setTimestamp(1, updatedAt);
                ps.setString(2, key);
                ps.setInt(3, limit);
                List<Entry> entries = new ArrayList<>();
                Timestamp last = updatedAt;
                String lastKey = key;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Entry entry = KvRows.entry(rs);
                        entries.add(entry);
                        lastKey = entry.key();
                        last = rs.getTimestamp(7);
                    }
                }
                return new Page(entries, last, lastKey);
            }
        });
    }

    private Optional<Entry> read(PgNode node, DataSource pool, Breaker breaker, String key) {
        Optional<Entry> found = calls.on(node, pool, breaker, c -> {
            try (PreparedStatement ps = c.prepareStatement(KvRows.READ)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Entry>empty();
                    }
                    return Optional.of(KvRows.entry(rs));
                }
            }
        });
        found.ifPresent(e -> hlc.observe(e.version()));
        return found;
    }
}
