package io.captier.store;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The heartbeats this process wrote ({@link io.captier.version.MonotonicClock} ms, to the Redis
 * master and to the PostgreSQL primary). A heartbeat a node shows gives it a staleness bound only
 * if it is one of these (docs/architecture.md A3: a node showing our heartbeat h holds every write
 * acknowledged before h, so it lags by at most now - h).
 *
 * <p>Why not any value under this instance's key: a restarted process counts its clock again from
 * the wall clock, so a heartbeat the previous process wrote is on another scale, ahead of this one
 * by as much as that process's wall clock had stepped back since its start. Read as one of ours,
 * it would look younger than it is, and a node that has lagged since before the restart (a replica
 * cut off, a standby whose replay stopped) would get too small a bound (found by review when the
 * drill's available instances began to step their clocks back; docs/decisions.md, "Clocks"). Such
 * a node has no bound until it shows one of ours, like a node never seen with a heartbeat.
 *
 * <p>Bounded to the newest {@value #CAPACITY} values (at the default HEARTBEAT_MS, well over half
 * an hour): a node showing an older one has no bound either.
 */
@ApplicationScoped
public class OwnHeartbeats {

    static final int CAPACITY = 1 << 16;

    private final Set<Long> written = new HashSet<>();
    private final ArrayDeque<Long> order = new ArrayDeque<>();

    /** Record a heartbeat before it is sent, so that a probe that finds it there knows it. */
    public synchronized void writing(long atMs) {
        if (written.add(atMs)) {
            order.addLast(atMs);
            if (order.size() > CAPACITY) {
                written.remove(order.removeFirst());
            }
        }
    }

    /**
     * @param shownMs the heartbeat a node shows under this instance's key, -1 for none
     * @return {@code shownMs} if this process wrote it, else -1 (none of ours)
     */
    public synchronized long ours(long shownMs) {
        return shownMs >= 0 && written.contains(shownMs) ? shownMs : -1;
    }
}
