package io.captier.store.redis;

import io.captier.config.CaptierConfig;
import io.captier.store.Entry;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replicated buffer (DESIGN A5): writes PostgreSQL could not take, on the Redis
 * stream {@value RedisKeys#PENDING}, until a reconciler applies them. Every instance is a
 * consumer of one consumer group, so an entry is drained by one instance at a time, and
 * entries a crashed instance held are claimed by another after a while.
 */
@ApplicationScoped
public class PendingStream {

    /** The consumer group of the pending stream: every reconciling instance is a consumer. */
    private static final String GROUP = "reconcilers";

    private final MasterCalls master;
    private final RedisTopology topology;
    private final long waitMs;
    private volatile long lastLength;

    public PendingStream(MasterCalls master, RedisTopology topology, CaptierConfig config) {
        this.master = master;
        this.topology = topology;
        // WAIT must give up well inside the network timeout, or the client call times out first.
        this.waitMs = Math.max(10, config.networkTimeout().toMillis() / 2);
    }

    /** One write waiting on the stream: its stream id and the entry (null if deleted meanwhile). */
    public record Buffered(String id, Entry entry) {
    }

    /**
     * Accept a write PostgreSQL could not take: into the projection (readable at once) and
     * onto the stream, atomically; then WAIT until every replica the sentinels count as up
     * holds it too — whichever of them a failover promotes, the write is there.
     *
     * @return true when they all confirmed it; false when it may live on the master only
     */
    @WithSpan("redis.buffer")
    public boolean buffer(Entry entry) {
        int replicas = Math.max(1, topology.replicasUp());
        return master.call(node -> node.onOneConnection(conn ->
                conn.send(PutEntry.buffered(entry))
                        .compose(written -> conn.send(Request.cmd(Command.WAIT).arg(replicas).arg(waitMs)))
                        .map(acked -> acked.toInteger() >= replicas)));
    }

    /**
     * Take pending writes to reconcile, as {@code consumer}: first those delivered to it
     * before and never acknowledged (it crashed half-way), then those another consumer has
     * held for {@code claimIdleMs} without acknowledging (it died), then new ones.
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
            return entries(readGroup(node, consumer, count, ">"));
        });
    }

    /** The entries are in PostgreSQL: acknowledge them and drop them from the stream. */
    public void settle(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        master.call(node -> {
            Request ack = Request.cmd(Command.XACK).arg(RedisKeys.PENDING).arg(GROUP);
            Request del = Request.cmd(Command.XDEL).arg(RedisKeys.PENDING);
            ids.forEach(id -> {
                ack.arg(id);
                del.arg(id);
            });
            node.send(ack);
            return node.send(del);
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
                out.add(new Buffered(id, null));
                continue;
            }
            Map<String, Response> f = new HashMap<>();
            for (int j = 0; j + 1 < fields.size(); j += 2) {
                f.put(fields.get(j).toString(), fields.get(j + 1));
            }
            boolean deleted = "1".equals(f.get("del").toString());
            String type = f.get("ct").toString();
            out.add(new Buffered(id, new Entry(f.get("key").toString(), deleted ? null : f.get("v").toBytes(),
                    deleted || type.isEmpty() ? null : type, Long.parseLong(f.get("ver").toString()),
                    f.get("o").toString(), deleted)));
        }
        return out;
    }
}
