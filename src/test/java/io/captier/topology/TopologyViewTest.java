package io.captier.topology;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The questions the read path, readiness and the stores ask of one topology view. */
class TopologyViewTest {

    private static final long FRESH_MS = 2_000;
    private static final long NOW = 100_000;

    private static RedisNodeView redis(String address, NodeRole role, long heartbeatMs, long probedAtMs, boolean readable) {
        return new RedisNodeView(address, role, true, true, false, heartbeatMs, probedAtMs, null, "slave", readable);
    }

    private static PostgresNodeView pg(String name, NodeRole role, boolean fenced, long heartbeatMs, long probedAtMs) {
        return new PostgresNodeView(name, role, true, 1, fenced, heartbeatMs, probedAtMs, null);
    }

    private static TopologyView withRedis(String master, RedisNodeView... nodes) {
        return TopologyView.empty(FRESH_MS).withRedis(master, NOW - 500, List.of(nodes), List.of());
    }

    private static TopologyView withPostgres(PostgresNodeView... nodes) {
        return TopologyView.empty(FRESH_MS).withPostgres(List.of(nodes), true);
    }

    @Test
    void replicasComeFreshestHeartbeatFirstWithoutTheMasterOrTheUnreadable() {
        TopologyView view = withRedis("m:1",
                redis("m:1", NodeRole.MASTER, 99_990, NOW - 10, true),
                redis("a:1", NodeRole.REPLICA, 99_000, NOW - 10, true),
                redis("b:1", NodeRole.REPLICA, 99_500, NOW - 10, true),
                redis("c:1", NodeRole.REPLICA, 99_900, NOW - 10, false));
        assertEquals(List.of("b:1", "a:1"), view.readableReplicas(NOW).stream().map(RedisNodeView::address).toList());
    }

    @Test
    void aFindingOlderThanFreshCountsForNothing() {
        TopologyView view = withRedis("m:1",
                redis("m:1", NodeRole.MASTER, 99_990, NOW - FRESH_MS - 1, true),
                redis("a:1", NodeRole.REPLICA, 99_000, NOW - FRESH_MS - 1, true),
                redis("b:1", NodeRole.REPLICA, 99_500, NOW - FRESH_MS, true));
        assertEquals(List.of("b:1"), view.readableReplicas(NOW).stream().map(RedisNodeView::address).toList());
        assertTrue(view.usableRedisMaster(NOW).isEmpty(), "a master last heard of too long ago");
        assertTrue(view.usableRedisMaster(NOW - 1).isPresent(), "the same finding a moment earlier");
    }

    @Test
    void theMasterMustSayItselfThatItIsOne() {
        // A restarted old master the sentinels still name but that now says replica, or the reverse.
        assertTrue(withRedis("m:1", redis("m:1", NodeRole.REPLICA, 1, NOW, true)).usableRedisMaster(NOW).isEmpty());
        assertTrue(withRedis(null, redis("m:1", NodeRole.MASTER, 1, NOW, true)).usableRedisMaster(NOW).isEmpty(),
                "no majority of sentinels named a master yet");
        RedisNodeView unreachable = new RedisNodeView("m:1", NodeRole.MASTER, false, false, false, 1, NOW, "refused", "master", false);
        assertTrue(withRedis("m:1", unreachable).usableRedisMaster(NOW).isEmpty());
        assertEquals("m:1", withRedis("m:1", redis("m:1", NodeRole.MASTER, 1, NOW, false)).usableRedisMaster(NOW)
                .orElseThrow().address());
    }

    @Test
    void onePrimaryUnlessFencedStaleOrSplit() {
        assertEquals(List.of("p:1"), names(withPostgres(pg("p:1", NodeRole.PRIMARY, false, 1, NOW),
                pg("s:1", NodeRole.STANDBY, false, 1, NOW)).usablePrimaries(NOW)));
        assertEquals(List.of("p:2"), names(withPostgres(pg("p:1", NodeRole.PRIMARY, true, 1, NOW),
                pg("p:2", NodeRole.PRIMARY, false, 1, NOW)).usablePrimaries(NOW)), "the fenced old primary");
        assertEquals(List.of(), names(withPostgres(pg("p:1", NodeRole.PRIMARY, false, 1, NOW - FRESH_MS - 1))
                .usablePrimaries(NOW)), "a primary last heard of too long ago");
        assertEquals(2, withPostgres(pg("p:1", NodeRole.PRIMARY, false, 1, NOW),
                pg("p:2", NodeRole.PRIMARY, false, 1, NOW)).usablePrimaries(NOW).size(), "a split brain shows as two");
    }

    @Test
    void aNodeNeverProbedIsNeverFresh() {
        TopologyView view = TopologyView.empty(FRESH_MS);
        assertFalse(view.fresh(0, 1_000), "probedAtMs 0 means never, however early now is");
        assertTrue(view.fresh(NOW - FRESH_MS, NOW));
        assertFalse(view.fresh(NOW - FRESH_MS - 1, NOW));
    }

    @Test
    void theStandbyWithTheNewestHeartbeat() {
        TopologyView view = withPostgres(pg("p:1", NodeRole.PRIMARY, false, 99_999, NOW),
                pg("s:1", NodeRole.STANDBY, false, 99_000, NOW),
                pg("s:2", NodeRole.STANDBY, false, 99_500, NOW),
                pg("s:3", NodeRole.STANDBY, false, 99_900, NOW - FRESH_MS - 1));
        assertEquals("s:2", view.standby(NOW).orElseThrow().name());
    }

    @Test
    void eachSideIsReplacedWholeAndTheOtherKept() {
        TopologyView view = withPostgres(pg("p:1", NodeRole.PRIMARY, false, 1, NOW))
                .withRedis("m:1", 42, List.of(redis("m:1", NodeRole.MASTER, 1, NOW, true)),
                        List.of(new SentinelNodeView("s:26379", NOW - 100), new SentinelNodeView("t:26379", 0)));
        assertEquals(1, view.postgres().size());
        assertTrue(view.schemaMigrated());
        assertEquals(42, view.sentinelsConfirmedAtMs());
        TopologyView after = view.withPostgres(List.of(), false);
        assertEquals("m:1", after.redisMaster());
        assertEquals(42, after.sentinelsConfirmedAtMs());
        assertEquals(1, after.redis().size());
        assertEquals(2, after.sentinels().size());
        assertTrue(after.postgres().isEmpty());
        TopologyView redisAgain = after.withRedis(null, 0, List.of(), List.of());
        assertFalse(redisAgain.schemaMigrated(), "the PostgreSQL side kept");
        assertTrue(redisAgain.redis().isEmpty());
        assertFalse(after.schemaMigrated());
        assertTrue(after.answered(after.sentinels().get(0), NOW));
        assertFalse(after.answered(after.sentinels().get(1), NOW), "a sentinel that never answered");
    }

    private static List<String> names(List<PostgresNodeView> nodes) {
        return nodes.stream().map(PostgresNodeView::name).toList();
    }
}
