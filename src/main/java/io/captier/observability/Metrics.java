package io.captier.observability;

import io.captier.config.CaptierConfig;
import io.captier.version.ClockOffset;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The metric names of README's "Metrics", in one place. Labels stay bounded: mode,
 * operation, status, node address, role, buffer — never a key or a session.
 */
@ApplicationScoped
public class Metrics {

    private static final Logger LOG = Logger.getLogger(Metrics.class);

    private final MeterRegistry registry;
    private final String mode;
    private final Map<String, StalenessGauge> staleness = new ConcurrentHashMap<>();
    private final Counter reconciled;
    private final Counter reroutes;
    private final Counter clockOffsets;
    /** When CLOCK_OFFSET was last logged (ms), and how many went unlogged since. */
    private long clockOffsetLoggedAtMs;
    private long clockOffsetsUnlogged;

    public Metrics(MeterRegistry registry, CaptierConfig config) {
        this.registry = registry;
        this.mode = config.mode().wireName();
        this.reconciled = Counter.builder("ap.reconciled.writes")
                .description("Buffered writes applied to PostgreSQL by the reconciler").register(registry);
        this.reroutes = Counter.builder("session.reroutes")
                .description("Reads that skipped a source because it was behind the session").register(registry);
        this.clockOffsets = Counter.builder("clock.offset")
                .description("Versions seen from a clock more than MAX_CLOCK_OFFSET_MS ahead, not adopted")
                .register(registry);
    }

    /**
     * A version from a clock too far ahead (io.captier.version.Hlc): clock_offset_total, and
     * a CLOCK_OFFSET line — the first at once, then at most one per 10 s carrying how many
     * were seen since, so a skewed peer whose every version trips the guard cannot flood
     * the log.
     */
    void clockOffset(@Observes ClockOffset offset) {
        clockOffsets.increment();
        long count;
        synchronized (this) {
            clockOffsetsUnlogged++;
            long now = System.currentTimeMillis();
            if (clockOffsetLoggedAtMs != 0 && now - clockOffsetLoggedAtMs < 10_000) {
                return;
            }
            clockOffsetLoggedAtMs = now;
            count = clockOffsetsUnlogged;
            clockOffsetsUnlogged = 0;
        }
        LogEvent.of("CLOCK_OFFSET").with(LogEvent.VERSION, offset.version())
                .with(LogEvent.CLOCK_AHEAD_MS, offset.aheadMs()).with(LogEvent.COUNT, count)
                .warn(LOG, "a version from a clock more than " + offset.maxOffsetMs()
                        + " ms ahead of ours was not adopted: check the clocks (NTP)");
    }

    /** One finished request: app_requests_total and app_request_latency_seconds. */
    public void request(String operation, int status, long startNanos) {
        Counter.builder("app.requests").tag("mode", mode).tag("operation", operation)
                .tag("status", Integer.toString(status)).register(registry).increment();
        Timer.builder("app.request.latency").tag("mode", mode).tag("operation", operation)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry).record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Make db_connection_failures_total{node} exist at zero for a node we know of. */
    public void knowNode(String node) {
        connectionFailures(node);
    }

    /** A store connection failed: count it and log DB_CONNECT_FAILURE (one line each). */
    public void connectionFailure(String node, Throwable cause) {
        connectionFailures(node).increment();
        LogEvent.of("DB_CONNECT_FAILURE").with(LogEvent.NODE, node).with(LogEvent.ERROR, describeError(cause))
                .warn(LOG, "a store node failed");
    }

    private Counter connectionFailures(String node) {
        return Counter.builder("db.connection.failures").tag("node", node)
                .description("Failed connections or calls to a store node").register(registry);
    }

    /** data_staleness_ms{node,role}: the series moves with the node when its role changes. */
    public void staleness(String node, String role, long millis) {
        StalenessGauge gauge = staleness.compute(node, (n, old) -> {
            if (old != null && old.role.equals(role)) {
                return old;
            }
            if (old != null) {
                registry.remove(old.gauge);
            }
            AtomicLong value = new AtomicLong();
            Gauge g = Gauge.builder("data.staleness.ms", value, AtomicLong::get)
                    .description("Upper bound of how far this node may lag, in milliseconds")
                    .tag("node", n).tag("role", role).register(registry);
            return new StalenessGauge(role, value, g);
        });
        gauge.value.set(millis);
    }

    /** ap_pending_writes{buffer}: writes accepted but not yet in PostgreSQL. */
    public void pendingWrites(String buffer, Supplier<Number> count) {
        Gauge.builder("ap.pending.writes", count).tag("buffer", buffer)
                .description("Acknowledged writes waiting in a buffer for reconciliation").register(registry);
    }

    public void reconciled(long count) {
        reconciled.increment(count);
    }

    public void reroute() {
        reroutes.increment();
    }

    public static String describeError(Throwable t) {
        if (t == null) {
            return "unknown";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().replace('\n', ' ');
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }

    private record StalenessGauge(String role, AtomicLong value, Gauge gauge) {
    }
}
