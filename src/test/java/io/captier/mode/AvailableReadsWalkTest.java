package io.captier.mode;

import io.captier.config.CaptierConfig;
import io.captier.failure.StoreUnavailableException;
import io.captier.observability.Metrics;
import io.captier.session.SessionBehindException;
import io.captier.session.SessionToken;
import io.captier.store.Entry;
import io.captier.store.Source;
import io.captier.store.local.LastKnownCache;
import io.captier.version.Hlc;
import io.captier.version.MonotonicClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The walk down the read chain (docs/architecture.md A2-A4, A7) over in-memory sources: which
 * source is asked, in what order, and which answer wins. The stores' own behaviour is the ITs'.
 */
class AvailableReadsWalkTest {

    private static final long MAX_STALENESS_MS = 1_000;
    private static final String KEY = "k";

    private final List<Source> asked = new ArrayList<>();
    private final AvailableReads reads = new AvailableReads(null, new LastKnownCache(),
            new Metrics(new SimpleMeterRegistry(), config()), config());

    private static CaptierConfig config() {
        return (CaptierConfig) Proxy.newProxyInstance(CaptierConfig.class.getClassLoader(), new Class<?>[] {CaptierConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "mode" -> Mode.AVAILABLE;
                    case "maxStalenessMs" -> MAX_STALENESS_MS;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static Entry entry(String value, long version) {
        return new Entry(KEY, value.getBytes(StandardCharsets.UTF_8), "text/plain", version, "test", false);
    }

    /** A source answering {@code answer} (empty: a miss). */
    private ReadChain.Candidate source(Source source, long stalenessMs, boolean authoritative, boolean missBounded,
                                       Optional<Entry> answer) {
        return new ReadChain.Candidate(source, stalenessMs, MonotonicClock.millis(), authoritative, missBounded, () -> {
            asked.add(source);
            return CompletableFuture.completedFuture(answer);
        });
    }

    private ReadChain.Candidate failing(Source source, long stalenessMs, boolean throwsAtOnce) {
        return new ReadChain.Candidate(source, stalenessMs, MonotonicClock.millis(), true, true, () -> {
            asked.add(source);
            if (throwsAtOnce) {
                throw new StoreUnavailableException(source + " down", null);
            }
            return CompletableFuture.failedFuture(new StoreUnavailableException(source + " down", null));
        });
    }

    private ReadResult walk(ReadRequest request, ReadChain.Candidate... candidates) {
        return reads.walk(request, List.of(candidates)).toCompletableFuture().join();
    }

    private Throwable failure(ReadRequest request, ReadChain.Candidate... candidates) {
        CompletionStage<ReadResult> stage = reads.walk(request, List.of(candidates));
        return assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join()).getCause();
    }

    private static ReadRequest plain() {
        return new ReadRequest(KEY, OptionalLong.empty(), SessionToken.empty());
    }

    @Test
    void theFirstFreshSourceWithTheKeyAnswersAndNoLaterOneIsAsked() {
        ReadResult r = walk(plain(),
                source(Source.REDIS_REPLICA, 10, false, true, Optional.of(entry("a", 5))),
                source(Source.REDIS_MASTER, 5, false, true, Optional.of(entry("b", 6))));
        assertEquals(Source.REDIS_REPLICA, r.source());
        assertEquals(10, r.stalenessMs());
        assertFalse(r.stale());
        assertEquals(List.of(Source.REDIS_REPLICA), asked);
    }

    @Test
    void aProjectionMissAsksFurtherAndAnAuthoritativeMissIsFinal() {
        ReadResult r = walk(plain(),
                source(Source.REDIS_REPLICA, 10, false, true, Optional.empty()),
                source(Source.POSTGRES_STANDBY, 20, true, true, Optional.empty()),
                source(Source.LOCAL_CACHE, 30, false, false, Optional.of(entry("old", 1))));
        assertEquals(Source.POSTGRES_STANDBY, r.source(), "PostgreSQL's miss says the key does not exist");
        assertTrue(r.entry().isEmpty());
        assertEquals(List.of(Source.REDIS_REPLICA, Source.POSTGRES_STANDBY), asked);
    }

    @Test
    void aFailedSourceIsPassedOver() {
        ReadResult r = walk(plain(),
                failing(Source.REDIS_REPLICA, 10, false),
                failing(Source.REDIS_MASTER, 10, true),
                source(Source.POSTGRES_STANDBY, 20, true, true, Optional.of(entry("a", 5))));
        assertEquals(Source.POSTGRES_STANDBY, r.source());
        assertEquals(List.of(Source.REDIS_REPLICA, Source.REDIS_MASTER, Source.POSTGRES_STANDBY), asked);
    }

    @Test
    void sourcesBeyondTheBoundAnswerOnlyWhenNothingWithinDoesFreshestFirstAndFlaggedStale() {
        ReadResult r = walk(plain(),
                source(Source.REDIS_REPLICA, 5_000, false, true, Optional.of(entry("older", 4))),
                source(Source.REDIS_MASTER, 2_000, false, true, Optional.of(entry("newer", 5))),
                failing(Source.POSTGRES_PRIMARY, 50, false));
        assertEquals(Source.REDIS_MASTER, r.source(), "the freshest of the stale ones");
        assertTrue(r.stale());
        assertEquals(List.of(Source.POSTGRES_PRIMARY, Source.REDIS_MASTER), asked);
    }

    @Test
    void aRequiredBoundRefusesRatherThanAskBeyondIt() {
        ReadRequest strict = new ReadRequest(KEY, OptionalLong.of(100), SessionToken.empty());
        Throwable t = failure(strict,
                source(Source.REDIS_REPLICA, 500, false, true, Optional.of(entry("a", 5))),
                failing(Source.POSTGRES_PRIMARY, 50, false));
        assertInstanceOf(StoreUnavailableException.class, t);
        assertEquals(List.of(Source.POSTGRES_PRIMARY), asked);
    }

    @Test
    void aBoundedProjectionMissIsTheAnswerWhenNothingElseAnswersButAnUnboundedOneIsNot() {
        ReadResult r = walk(plain(),
                source(Source.REDIS_REPLICA, 10, false, true, Optional.empty()),
                failing(Source.POSTGRES_PRIMARY, 50, false));
        assertEquals(Source.REDIS_REPLICA, r.source());
        assertTrue(r.entry().isEmpty());
        Throwable t = failure(plain(),
                source(Source.REDIS_REPLICA, 10, false, false, Optional.empty()),
                failing(Source.POSTGRES_PRIMARY, 50, false));
        assertInstanceOf(StoreUnavailableException.class, t, "an emptied projection may miss any key");
    }

    @Test
    void aSourceBehindTheSessionIsSkippedAndOnlySuchSourcesRefuseAsSessionBehind() {
        long seen = Hlc.atMillis(System.currentTimeMillis());
        ReadRequest session = new ReadRequest(KEY, OptionalLong.empty(), SessionToken.empty().observe(KEY, seen));
        ReadResult r = walk(session,
                source(Source.REDIS_REPLICA, 10, false, true, Optional.of(entry("before", seen - 1))),
                source(Source.REDIS_MASTER, 20, false, true, Optional.of(entry("seen", seen))));
        assertEquals(Source.REDIS_MASTER, r.source(), "read-your-writes: the replica has not caught up");
        asked.clear();
        Throwable t = failure(session,
                source(Source.REDIS_REPLICA, 10, false, true, Optional.of(entry("before", seen - 1))),
                source(Source.POSTGRES_PRIMARY, 20, true, true, Optional.empty()));
        assertInstanceOf(SessionBehindException.class, t);
        assertEquals(List.of(Source.REDIS_REPLICA, Source.POSTGRES_PRIMARY), asked);
    }
}
