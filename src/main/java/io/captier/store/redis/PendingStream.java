package io.captier.store.redis;

import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.DbSpans;
import io.captier.observability.LogEvent;
import io.captier.store.Entry;
import io.captier.store.IdempotencyKey;
import io.captier.store.Replay;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.vertx.core.Future;
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
import java.util.concurrent.atomic.AtomicReference;

/**
 * The replicated buffer (docs/architecture.md A5): writes PostgreSQL could not take, on the Redis
 * stream {@value RedisKeys#PENDING}, until a reconciler applies them. Every instance is a
 * consumer of one consumer group, so an entry is drained by one instance at a time, and
 * entries a crashed instance held are claimed by another after a while.
 */
@ApplicationScoped
public class PendingStream {

    private static final Logger LOG = Logger.getLogger(PendingStream.class);
    /** The consumer group of the pending stream: every reconciling instance is a consumer. */
    private static final String GROUP = "reconcilers";

    private final MasterCalls master;
    private final ReplicaConfirmation replicas;
    private volatile long lastLength;
    /** When {@link #orphans} may look next ({@link System#nanoTime}): a clock step must not stop it. */
    private volatile long nextOrphanSearch = System.nanoTime();

    public PendingStream(MasterCalls master, ReplicaConfirmation replicas) {
        this.master = master;
        this.replicas = replicas;
    }

    /**
     * One write waiting on the stream: its stream id, the entry (null if deleted meanwhile)
     * and the Idempotency-Key it was sent with, if any.
     */
    public record Buffered(String id, Entry entry, Optional<IdempotencyKey> idempotency) {
    }

    /** What became of a write offered to the buffer. */
    public sealed interface Outcome permits Confirmed, Unconfirmed, Superseded, Replayed, Unanswered {
    }

    /** On the master and on every replica a failover may promote. */
    public record Confirmed() implements Outcome {
    }

    /** On the master only, as far as anyone knows: it needs another copy. */
    public record Unconfirmed() implements Outcome {
    }

    /**
     * Not buffered: the projection holds this version or a newer one already.
     *
     * @param confirmed the replicas hold that version too (put-entry.lua writes on this path
     *                  so that WAIT covers it); false: it may be on the master only
     */
    public record Superseded(boolean confirmed) implements Outcome {
    }

    /**
     * Sent to the master, and no answer came (the network timeout, a connection lost): the
     * script may have run after all, so the write may be on the master only, as
     * {@link Unconfirmed}, or nowhere. Whoever keeps the write elsewhere treats it as
     * unconfirmed; if it cannot, neither "accepted" nor "not applied" is true (found by the
     * 40-minute soak with disks: a delete answered "not applied" whose retry was then
     * answered as its replay).
     */
    public record Unanswered() implements Outcome {
    }

    /**
     * Not buffered: the Idempotency-Key's first attempt is already buffered, with this
     * answer. The record is written before the first attempt's WAIT and stays when its
     * replicas never confirmed it, so {@code confirmed} says whether they hold it now.
     */
    public record Replayed(Replay first, boolean confirmed) implements Outcome {
    }

    /**
     * Accept a write PostgreSQL could not take: into the projection (readable at once) and
     * onto the stream, atomically, with its Idempotency-Key's record when it has one (kept
     * {@value IdempotencyKey#RETENTION_HOURS} h); then wait until every replica a failover
     * may promote holds it too ({@link ReplicaConfirmation}): whichever of them is promoted, the write is
     * there. A write not newer than the projection is not buffered ({@link Superseded}).
     *
     * @return confirmed or unconfirmed (buffered), superseded, or the first answer of an
     *         earlier attempt with the same key (not buffered; each says whether the replicas
     *         hold the copy that was there); unanswered when the script was sent and neither its
     *         answer nor an error came back in time (also, cautiously, when a READONLY refusal
     *         was followed by no new master)
     * @throws IdempotencyKeyReused the key was used for another request (nothing written)
     * @throws StoreUnavailableException the script was not sent, and never will be (no master
     *                                   known, its breaker open, no connection in time): nothing
     *                                   was written
     * @throws RedisNode.RedisErrorReply the master refused the script: nothing was written
     */
    @WithSpan(value = "redis.buffer", kind = SpanKind.CLIENT)
    public Outcome buffer(Entry entry, Optional<IdempotencyKey> idempotency) {
        AtomicReference<Response> script = new AtomicReference<>();
        AtomicReference<RedisNode.Attempt> attempt = new AtomicReference<>();
        Span span = Span.current();
        // The script (projection, XADD onto the stream, idempotency record), then the replicas.
        boolean confirmed;
        try {
            confirmed = master.call(node -> {
                DbSpans.describe(span, DbSpans.REDIS, "EVAL", node.address());
                Set<String> promotable = replicas.replicasOf(node.address());
                // On a new master after a READONLY refusal, a new attempt: the refusal was an
                // answer, nothing was written.
                RedisNode.Attempt onThisMaster = new RedisNode.Attempt();
                attempt.set(onThisMaster);
                return node.onOneConnection(onThisMaster, conn -> conn.send(PutEntry.buffered(entry, idempotency))
                        .compose(answer -> {
                            script.set(answer);
                            return replicas.held(conn, promotable);
                        }));
            });
        } catch (StoreUnavailableException | RedisNode.RedisErrorReply afterTheScript) {
            if (script.get() == null) {
                // Settled once the call returned: a connection that comes later is not used.
                // Asked here, not of the exception's type: the breaker's backstop replaces it.
                if (afterTheScript instanceof StoreUnavailableException && attempt.get() != null
                        && attempt.get().started()) {
                    return new Unanswered(); // sent: it may run, or have run, all the same
                }
                throw afterTheScript;
            }
            // The script ran, so the write is on the stream; only the replicas' answer is missing
            // (a demoted node refusing WAIT, a connection lost): it is unconfirmed, not "not applied".
            confirmed = false;
        }
        Response answer = script.get();
        int status = answer.get(0).toInteger();
        if (status == -1) {
            throw new IdempotencyKeyReused();
        }
        if (status == 2) {
            return new Replayed(replay(answer, 1), confirmed);
        }
        if (status == 0) {
            return new Superseded(confirmed);
        }
        return confirmed ? new Confirmed() : new Unconfirmed();
    }

    /**
     * The first answer of a buffered write with this Idempotency-Key, if the buffer holds one.
     * A {@code replicated-buffer} answer is what the record says from its script on, before
     * the first attempt's WAIT: whether the replicas hold the copy is {@link #replicasHoldRecord}'s.
     *
     * @throws IdempotencyKeyReused the key was used for another request
     */
    public Optional<Replay> replayOf(IdempotencyKey idempotency) {
        Response rec = master.call(node -> node.send(Request.cmd(Command.HMGET)
                .arg(RedisKeys.idempotency(idempotency.key())).arg("fp").arg("ver").arg("o").arg("dur")));
        if (rec == null || rec.get(0) == null) {
            return Optional.empty();
        }
        if (idempotency.conflictsWith(rec.get(0).toString())) {
            throw new IdempotencyKeyReused();
        }
        return Optional.of(replay(rec, 1));
    }

    /** The record's version, origin and durability, at {@code at} and the two answers after it. */
    private static Replay replay(Response answer, int at) {
        return new Replay(Long.parseLong(answer.get(at).toString()), answer.get(at + 1).toString(),
                answer.get(at + 2).toString());
    }

    /**
     * Whether every replica a failover may promote holds the record {@link #replayOf}
     * found, and so the copy that the record's script wrote with it (a replica applies a
     * script whole). On one connection: the record is touched (its life renewed, as a retry
     * through {@link #buffer} does), read back, and if it is still that record (the same
     * version and origin: a failover since may have replaced it), WAIT covers the touch and
     * everything before it.
     *
     * @param first what {@link #replayOf} found
     * @return false when the replicas did not confirm within the WAIT, or the record is gone
     *         or another one (expired, or lost with a failover)
     */
    public boolean replicasHoldRecord(IdempotencyKey idempotency, Replay first) {
        String record = RedisKeys.idempotency(idempotency.key());
        return master.call(node -> node.onOneConnection(conn -> conn.send(Request.cmd(Command.EXPIRE).arg(record)
                        .arg(TimeUnit.HOURS.toSeconds(IdempotencyKey.RETENTION_HOURS)))
                .compose(touched -> conn.send(Request.cmd(Command.HMGET).arg(record).arg("ver").arg("o"))
                        .map(rec -> touched.toInteger() == 1 && rec.get(0) != null && rec.get(1) != null
                                && Long.toString(first.version()).equals(rec.get(0).toString())
                                && rec.get(1).toString().equals(first.origin())))
                .compose(same -> !same ? Future.succeededFuture(false)
                        : replicas.held(conn, replicas.replicasOf(node.address())))));
    }

    /**
     * The write of this Idempotency-Key was acknowledged as {@code local} (the replicas did
     * not confirm it, so it went to the hint log too): a retry is answered so as well.
     * Best effort: the record only says how the first answer was given.
     */
    public void answeredLocal(IdempotencyKey idempotency) {
        String record = RedisKeys.idempotency(idempotency.key());
        // EXPIRE NX: a record lost meanwhile (a failover) leaves a hash of this one field,
        // which must not stay forever; a record's own life is kept.
        master.call(node -> node.onOneConnection(conn -> conn.send(Request.cmd(Command.HSET).arg(record)
                        .arg("dur").arg("local"))
                .compose(set -> conn.send(Request.cmd(Command.EXPIRE).arg(record)
                        .arg(TimeUnit.HOURS.toSeconds(IdempotencyKey.RETENTION_HOURS)).arg("NX")))));
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
