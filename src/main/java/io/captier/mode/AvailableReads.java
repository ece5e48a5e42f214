package io.captier.mode;

import io.captier.config.CaptierConfig;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.Metrics;
import io.captier.session.SessionBehindException;
import io.captier.session.Sessions;
import io.captier.store.Entry;
import io.captier.store.local.LastKnownCache;
import io.captier.version.MonotonicClock;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The available profile's reads (docs/architecture.md A2-A4, A7): walk the {@link ReadChain}; the first
 * source within the staleness bound that has the key answers. A projection miss asks further;
 * a PostgreSQL miss is final. When nothing within the bound answers, the freshest source that
 * does answers, flagged stale (a projection miss too, when nothing beyond the bound has the key
 * or is authoritative) — unless the client required the bound (X-Max-Staleness-Ms): then 503.
 * A projection miss counts only while every projection is complete ({@code missBounded}):
 * an emptied one may miss any key. A source behind the client's session (read-your-writes, monotonic reads) is
 * skipped too. A found entry refreshes the last-known cache, the chain's last source.
 */
@ApplicationScoped
public class AvailableReads {

    private final ReadChain chain;
    private final LastKnownCache cache;
    private final Metrics metrics;
    private final long maxStalenessMs;

    public AvailableReads(ReadChain chain, LastKnownCache cache, Metrics metrics, CaptierConfig config) {
        this.chain = chain;
        this.cache = cache;
        this.metrics = metrics;
        this.maxStalenessMs = config.maxStalenessMs();
    }

    /**
     * The answer of the first source that may give it (see the class comment).
     *
     * @return the entry (or a miss), its source and staleness bound in ms, flagged stale when
     *         over MAX_STALENESS_MS
     * @throws StoreUnavailableException no source answered, or none within a bound the client required
     * @throws SessionBehindException    only sources behind the client's session answered (A7)
     */
    public ReadResult read(ReadRequest request) {
        String key = request.key();
        boolean required = request.maxStalenessMs().isPresent();
        long bound = request.maxStalenessMs().orElse(maxStalenessMs);
        List<ReadChain.Candidate> tooStale = new ArrayList<>();
        ReadResult miss = null;
        boolean behindSession = false;
        for (ReadChain.Candidate c : chain.candidates(key)) {
            if (c.stalenessMs() > bound) {
                tooStale.add(c);
                continue;
            }
            Optional<ReadResult> answer = ask(c, key, false);
            if (answer.isEmpty()) {
                continue;
            }
            if (!allowed(request, answer.get(), c.atMs())) {
                behindSession = true;
                continue;
            }
            if (answer.get().entry().isPresent() || c.authoritative()) {
                return answer.get();
            }
            if (miss == null && c.missBounded()) {
                miss = answer.get();
            }
        }
        ReadResult staleMiss = null;
        if (!required) {
            for (ReadChain.Candidate c : ReadChain.freshestFirst(tooStale)) {
                Optional<ReadResult> answer = ask(c, key, true);
                if (answer.isEmpty() || !allowed(request, answer.get(), c.atMs())) {
                    behindSession |= answer.isPresent();
                    continue;
                }
                if (answer.get().entry().isPresent() || c.authoritative()) {
                    return answer.get();
                }
                if (staleMiss == null && c.missBounded()) {
                    staleMiss = answer.get();
                }
            }
        }
        if (miss != null) {
            return miss;
        }
        if (staleMiss != null) {
            // A projection miss beyond the bound is still an answer, flagged stale, like a
            // value from there: a key not yet written, read while PostgreSQL is out of reach
            // and Redis past the bound, is not "unavailable" (found by the soak).
            return staleMiss;
        }
        if (required) {
            throw new StoreUnavailableException("no reachable source is within " + bound + " ms of the latest write", null);
        }
        if (behindSession) {
            throw new SessionBehindException("no reachable source has caught up with this session yet");
        }
        throw new StoreUnavailableException("no source can answer for this key", null);
    }

    /**
     * A source behind the session is skipped for a fresher one (counted as a reroute).
     *
     * @param boundAtMs when the source's bound was taken ({@link MonotonicClock}); the as-of time
     *                  compared with the session's versions is on the wall clock, as theirs is:
     *                  the bound aged to now, back from the wall clock now
     */
    private boolean allowed(ReadRequest request, ReadResult answer, long boundAtMs) {
        long asOf = System.currentTimeMillis() - (answer.stalenessMs() + Math.max(0, MonotonicClock.millis() - boundAtMs));
        if (Sessions.allows(request.session(), request.key(), answer.entry().map(Entry::version), asOf)) {
            return true;
        }
        metrics.reroute();
        return false;
    }

    /** Ask one source; empty when it failed. A found entry refreshes the local cache. */
    private Optional<ReadResult> ask(ReadChain.Candidate c, String key, boolean stale) {
        try {
            Optional<Entry> entry = c.fetch().get();
            entry.ifPresent(e -> cache.remember(e, c.stalenessMs(), c.atMs()));
            return Optional.of(new ReadResult(key, entry, c.source(), c.stalenessMs(), stale || c.stalenessMs() > maxStalenessMs));
        } catch (RuntimeException failed) {
            return Optional.empty();
        }
    }
}
