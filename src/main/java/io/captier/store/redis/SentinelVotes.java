package io.captier.store.redis;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the sentinels' latest answers ({@link SentinelView}, one per configured sentinel)
 * say together: when a majority last named a master, and which replicas a failover may
 * still promote. Pure functions of the answers and the time, so that the rules are tested
 * without a sentinel ({@code SentinelConfirmationTest}, {@code PromotableReplicasTest});
 * {@link RedisTopology} asks the sentinels and keeps the answers.
 */
final class SentinelVotes {

    private SentinelVotes() {
    }

    /**
     * {@link RedisTopology#promotableReplicas} from the sentinels' latest answers.
     *
     * @param nowMs   epoch ms, the clock of the answers' {@code atMs}
     * @param freshMs how old an answer may be and still count as what its sentinel thinks now
     */
    static Set<String> promotable(Collection<SentinelView> answers, String master, int sentinels, long nowMs,
                                  long freshMs) {
        if (master == null) {
            return Set.of();
        }
        List<SentinelView> naming = answers.stream().filter(v -> master.equals(v.master())).toList();
        Set<String> listed = new TreeSet<>();
        naming.forEach(v -> listed.addAll(v.replicas().keySet()));
        listed.remove(master);
        boolean everySentinelHeard = naming.size() >= sentinels
                && naming.stream().allMatch(v -> nowMs - v.atMs() <= freshMs);
        if (!everySentinelHeard) {
            return listed;
        }
        listed.removeIf(replica -> naming.stream().allMatch(v -> {
            SentinelView.Replica said = v.replicas().get(replica);
            return said == null || said.down();
        }));
        return listed;
    }

    /**
     * The time the {@code sentinels / 2 + 1}-th most recent answer naming {@code master} was
     * asked for, or 0 when fewer answers name it.
     */
    static long confirmedAtMs(Collection<SentinelView> answers, String master, int sentinels) {
        if (master == null) {
            return 0;
        }
        long[] times = answers.stream().filter(v -> master.equals(v.master()))
                .mapToLong(SentinelView::atMs).sorted().toArray();
        int majority = majorityOf(sentinels);
        return times.length < majority ? 0 : times[times.length - majority];
    }

    /** More than half of {@code sentinels}: what Sentinel needs to fail over. */
    static int majorityOf(int sentinels) {
        return sentinels / 2 + 1;
    }
}
