package io.captier.store.redis;

import io.captier.observability.LogEvent;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The replicated buffer (docs/architecture.md A5), its draining side: every instance is a
 * consumer of one consumer group on the stream {@value RedisKeys#PENDING}, so an entry is
 * drained by one instance at a time, and entries a crashed instance held are claimed by
 * another after a while. {@link PendingStream} is the writing side.
 */
@ApplicationScoped
public class PendingStreamConsumer {

    private static final Logger LOG = Logger.getLogger(PendingStreamConsumer.class);
    /** The consumer group of the pending stream: every reconciling instance is a consumer. */
    private static final String GROUP = "reconcilers";

    private final MasterCalls master;
    private volatile long lastLength;
    /** When {@link #orphans} may look next ({@link System#nanoTime}): a clock step must not stop it. */
    private volatile long nextOrphanSearch = System.nanoTime();

    public PendingStreamConsumer(MasterCalls master) {
        this.master = master;
    }

    /**
     * One write waiting on the stream: its stream id, the entry (null if deleted meanwhile)
     * and the Idempotency-Key it was sent with, if any.
     */
    public record Buffered(String id, Entry entry, Optional<IdempotencyKey> idempotency) {
    }

    /**
     * Take pending writes to reconcile, as {@code consumer}: first those delivered to it
     * before and never acknowledged (it crashed half-way), then those another consumer has
     * held for {@code claimIdleMs} without acknowledging (it died), then new ones, and last,
     * at most once per {@code claimIdleMs}, any {@linkplain #orphans orphans}.
     */
    public List<Buffered> take(String consumer, int count, long claimIdleMs) {
        return master.call(node -> {
            ensureGroup(node);
            List<Buffered> mine = entries(readGroup(node, consumer, count, "0"));
            if (!mine.isEmpty()) {
                return mine;
            }
            Response claimed = node.send(Request.cmd(Command.XAUTOCLAIM).arg(RedisKeys.PENDING).arg(GROUP)
                    .arg(consumer).arg(claimIdleMs).arg("0-0").arg("COUNT").arg(count));
            List<Buffered> taken = entries(claimed.get(1));
            if (!taken.isEmpty()) {
                return taken;
            }
            List<Buffered> fresh = entries(readGroup(node, consumer, count, ">"));
            if (!fresh.isEmpty()) {
                return fresh;
            }
            long now = System.nanoTime();
            if (now - nextOrphanSearch < 0) {
                return List.of();
            }
            nextOrphanSearch = now + TimeUnit.MILLISECONDS.toNanos(claimIdleMs);
            return orphans(node, consumer, count, claimIdleMs);
        });
    }

    /**
     * Entries the group delivered that no consumer holds: acknowledged but never deleted.
     * A {@link #settle} that acknowledged before it deleted left them when its XACK reached a
     * paused master after the call had timed out, and the XDEL was never sent (a soak and two
     * CI drills stalled on them). Nothing delivers such an entry again, so it would stay on the
     * stream for good, and with it the pending gauge and the staleness bound of the oldest
     * buffered write. Each was applied before it was acknowledged; applying it again changes
     * nothing (last-writer-wins, the Idempotency-Key's claim), so rather than deleted on that
     * reasoning alone, the orphans are claimed by {@code consumer} (XCLAIM FORCE) and go
     * through the reconciler like any other entry. They are rare, so they are looked for at
     * most once per {@code claimIdleMs}, which is also the claim's min-idle-time: an entry
     * another consumer took meanwhile (held for less than that) stays with it, while one
     * that FORCE puts in a pending list for the first time is claimed whatever its idle time.
     *
     * @return up to {@code count} orphans among the first {@code count} delivered entries
     *         (those held ahead of them are taken first, by the steps of {@link #take})
     */
    private static List<Buffered> orphans(RedisNode node, String consumer, int count, long claimIdleMs) {
        String lastDelivered = lastDeliveredId(node);
        if (lastDelivered == null) {
            return List.of();
        }
        Response delivered = node.send(Request.cmd(Command.XRANGE).arg(RedisKeys.PENDING).arg("-").arg(lastDelivered)
                .arg("COUNT").arg(count));
        if (delivered == null || delivered.size() == 0) {
            return List.of();
        }
        Set<String> unheld = new LinkedHashSet<>();
        delivered.forEach(item -> unheld.add(item.get(0).toString()));
        // The group's pending entries in that id range: [[id, consumer, idle ms, deliveries], ...].
        // Entries deleted but not yet acknowledged are among them too, hence the wider count.
        Response held = node.send(Request.cmd(Command.XPENDING).arg(RedisKeys.PENDING).arg(GROUP)
                .arg(delivered.get(0).get(0).toString()).arg(delivered.get(delivered.size() - 1).get(0).toString())
                .arg(count * 10L));
        if (held != null) {
            held.forEach(item -> unheld.remove(item.get(0).toString()));
        }
        if (unheld.isEmpty()) {
            return List.of();
        }
        Request claim = Request.cmd(Command.XCLAIM).arg(RedisKeys.PENDING).arg(GROUP).arg(consumer).arg(claimIdleMs);
        unheld.forEach(claim::arg);
        // Ids settled by another consumer between the XRANGE and the XPENDING are gone: XCLAIM skips them.
        List<Buffered> claimed = entries(node.send(claim.arg("FORCE")));
        if (!claimed.isEmpty()) {
            // Settled in its present order, a stream should not get any more of these: say so when it does.
            LogEvent.of("PENDING_ORPHANS_CLAIMED").with(LogEvent.COUNT, claimed.size())
                    .warn(LOG, "buffered writes no consumer held are reconciled again");
        }
        return claimed;
    }

    /** The group's last-delivered-id, from XINFO GROUPS (flat name/value arrays in RESP2); null without the group. */
    private static String lastDeliveredId(RedisNode node) {
        Response groups = node.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(RedisKeys.PENDING));
        if (groups == null) {
            return null;
        }
        for (Response group : groups) {
            Map<String, String> fields = new HashMap<>();
            for (int i = 0; i + 1 < group.size(); i += 2) {
                Response value = group.get(i + 1);
                fields.put(group.get(i).toString(), value == null ? null : value.toString());
            }
            if (GROUP.equals(fields.get("name"))) {
                return fields.get("last-delivered-id");
            }
        }
        return null;
    }

    /**
     * The entries are in PostgreSQL: drop them from the stream, then acknowledge them. In this
     * order, a call cut short between the two leaves entries that are gone but still pending,
     * which the next {@link #take} hands back empty and settles again; the other order left
     * entries acknowledged but never deleted ({@link #orphans}).
     */
    public void settle(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        master.call(node -> {
            Request del = Request.cmd(Command.XDEL).arg(RedisKeys.PENDING);
            Request ack = Request.cmd(Command.XACK).arg(RedisKeys.PENDING).arg(GROUP);
            ids.forEach(id -> {
                del.arg(id);
                ack.arg(id);
            });
            node.send(del);
            return node.send(ack);
        });
    }

    /**
     * How many writes wait, and since when.
     *
     * @return wall-clock ms of the oldest pending write (its stream id), 0 when none waits
     */
    public long oldestPendingMs() {
        return master.call(node -> {
            long length = node.send(Request.cmd(Command.XLEN).arg(RedisKeys.PENDING)).toLong();
            lastLength = length;
            if (length == 0) {
                return 0L;
            }
            Response first = node.send(Request.cmd(Command.XRANGE).arg(RedisKeys.PENDING).arg("-").arg("+")
                    .arg("COUNT").arg(1));
            if (first.size() == 0) {
                return 0L;
            }
            String id = first.get(0).get(0).toString();
            return Long.parseLong(id.substring(0, id.indexOf('-')));
        });
    }

    /** The stream's length as last seen (the ap_pending_writes{buffer="redis"} gauge). */
    public long lastLength() {
        return lastLength;
    }

    private static void ensureGroup(RedisNode node) {
        try {
            node.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(RedisKeys.PENDING).arg(GROUP).arg("0")
                    .arg("MKSTREAM"));
        } catch (RedisNode.RedisErrorReply e) {
            if (!e.getMessage().contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private static Response readGroup(RedisNode node, String consumer, int count, String from) {
        Response r = node.send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(GROUP).arg(consumer)
                .arg("COUNT").arg(count).arg("STREAMS").arg(RedisKeys.PENDING).arg(from));
        // [[stream, [entries]]], or nil when nothing is new
        return r == null || r.size() == 0 ? null : r.get(0).get(1);
    }

    /** Stream entries [id, [field, value, ...]]; an entry deleted meanwhile has no fields. */
    private static List<Buffered> entries(Response list) {
        List<Buffered> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            Response item = list.get(i);
            String id = item.get(0).toString();
            Response fields = item.get(1);
            if (fields == null || fields.size() == 0) {
                out.add(new Buffered(id, null, Optional.empty()));
                continue;
            }
            Map<String, byte[]> f = new HashMap<>();
            for (int j = 0; j + 1 < fields.size(); j += 2) {
                f.put(fields.get(j).toString(), EntryFields.bytes(fields.get(j + 1)));
            }
            Optional<IdempotencyKey> idempotency = f.containsKey(EntryFields.IDEMPOTENCY_KEY)
                    ? Optional.of(new IdempotencyKey(EntryFields.text(f.get(EntryFields.IDEMPOTENCY_KEY)),
                            EntryFields.text(f.get(EntryFields.FINGERPRINT))))
                    : Optional.empty();
            String key = EntryFields.text(f.get(EntryFields.KEY));
            out.add(new Buffered(id, EntryFields.decode(key, f::get).orElseThrow(), idempotency));
        }
        return out;
    }
}
