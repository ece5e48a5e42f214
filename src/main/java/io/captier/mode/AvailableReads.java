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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
     * The answer of the first source that may give it (see the class comment). Nothing here
     * blocks: each source is asked without waiting (Redis on its connection, PostgreSQL on a
     * worker thread), and the next one only when the previous one's answer is in, so the walk
     * may run on an event loop and go on on whichever thread an answer came.
     *
     * @return the entry (or a miss), its source and staleness bound in ms, flagged stale when
     *         over MAX_STALENESS_MS; fails with {@link StoreUnavailableException} when no source
     *         answered, or none within a bound the client required, and with
     *         {@link SessionBehindException} when only sources behind the client's session
     *         answered (A7)
     */
    public CompletionStage<ReadResult> read(ReadRequest request) {
        return walk(request, chain.candidates(request.key()));
    }

    /** {@link #read} over the given candidates (in A2 order): the walk alone, for its tests. */
    CompletionStage<ReadResult> walk(ReadRequest request, List<ReadChain.Candidate> candidates) {
        return new Walk(request, candidates).fresh(0);
    }

    /**
     * One read's walk down the chain: first the sources within the bound, in A2 order, then
     * (unless the client required the bound) those beyond it, freshest first. Its fields are
     * only touched by one step at a time: each step starts when the previous one's stage completed.
     */
    private final class Walk {
        private final ReadRequest request;
        private final String key;
        private final boolean required;
        private final long bound;
        private final List<ReadChain.Candidate> candidates;
        private final List<ReadChain.Candidate> tooStale = new ArrayList<>();
        private List<ReadChain.Candidate> staleOnes = List.of();
        private ReadResult miss;
        private ReadResult staleMiss;
        private boolean behindSession;

        Walk(ReadRequest request, List<ReadChain.Candidate> candidates) {
            this.request = request;
            this.key = request.key();
            this.required = request.maxStalenessMs().isPresent();
            this.bound = request.maxStalenessMs().orElse(maxStalenessMs);
            this.candidates = candidates;
        }

        /** Ask the sources within the bound from {@code from} on. */
        CompletionStage<ReadResult> fresh(int from) {
            for (int i = from; i < candidates.size(); i++) {
                ReadChain.Candidate c = candidates.get(i);
                if (c.stalenessMs() > bound) {
                    tooStale.add(c);
                    continue;
                }
                int next = i + 1;
                return ask(c, false).thenCompose(answer -> {
                    if (answer.isPresent()) {
                        if (!allowed(request, answer.get(), c.atMs())) {
                            behindSession = true;
                        } else if (answer.get().entry().isPresent() || c.authoritative()) {
                            return CompletableFuture.completedFuture(answer.get());
                        } else if (miss == null && c.missBounded()) {
                            miss = answer.get();
                        }
                    }
                    return fresh(next);
                });
            }
            staleOnes = required ? List.of() : ReadChain.freshestFirst(tooStale);
            return stale(0);
        }

        /** Ask the sources beyond the bound, freshest first, from {@code from} on. */
        private CompletionStage<ReadResult> stale(int from) {
            if (from == staleOnes.size()) {
                return last();
            }
            ReadChain.Candidate c = staleOnes.get(from);
            return ask(c, true).thenCompose(answer -> {
                if (answer.isEmpty() || !allowed(request, answer.get(), c.atMs())) {
                    behindSession |= answer.isPresent();
                } else if (answer.get().entry().isPresent() || c.authoritative()) {
                    return CompletableFuture.completedFuture(answer.get());
                } else if (staleMiss == null && c.missBounded()) {
                    staleMiss = answer.get();
                }
                return stale(from + 1);
            });
        }

        /** No source gave a value: a bounded miss, else a stale one, else the reason there is no answer. */
        private CompletionStage<ReadResult> last() {
            if (miss != null) {
                return CompletableFuture.completedFuture(miss);
            }
            if (staleMiss != null) {
                // A projection miss beyond the bound is still an answer, flagged stale, like a
                // value from there: a key not yet written, read while PostgreSQL is out of reach
                // and Redis past the bound, is not "unavailable" (found by the soak).
                return CompletableFuture.completedFuture(staleMiss);
            }
            if (required) {
                return CompletableFuture.failedFuture(new StoreUnavailableException(
                        "no reachable source is within " + bound + " ms of the latest write", null));
            }
            if (behindSession) {
                return CompletableFuture.failedFuture(
                        new SessionBehindException("no reachable source has caught up with this session yet"));
            }
            return CompletableFuture.failedFuture(new StoreUnavailableException("no source can answer for this key", null));
        }

        /** Ask one source; empty when it failed. A found entry refreshes the local cache. */
        private CompletionStage<Optional<ReadResult>> ask(ReadChain.Candidate c, boolean stale) {
            CompletionStage<Optional<Entry>> fetched;
            try {
                fetched = c.fetch().get();
            } catch (RuntimeException failed) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return fetched.handle((entry, failed) -> {
                if (failed != null) {
                    return Optional.empty();
                }
                entry.ifPresent(e -> cache.remember(e, c.stalenessMs(), c.atMs()));
                return Optional.of(new ReadResult(key, entry, c.source(), c.stalenessMs(),
                        stale || c.stalenessMs() > maxStalenessMs));
            });
        }
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
}
