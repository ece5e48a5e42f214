package io.captier.resilience;

import io.captier.config.CaptierConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The breakers of this instance, one per store endpoint: {@value #PG_PRIMARY},
 * {@value #PG_STANDBY}, {@value #REDIS_MASTER}, and one per Redis replica node
 * ({@code redis-replica@host:port}). Each is exported as circuit_breaker_state{breaker}.
 */
@ApplicationScoped
public class Breakers {

    public static final String PG_PRIMARY = "postgres-primary";
    public static final String PG_STANDBY = "postgres-standby";
    public static final String REDIS_MASTER = "redis-master";

    private final Map<String, Breaker> byName = new ConcurrentHashMap<>();
    private final Breaker.Settings settings;
    private final MeterRegistry registry;

    public Breakers(CaptierConfig config, MeterRegistry registry) {
        this.registry = registry;
        // The backstop sits a second past the drivers' own timeouts so that they, not it,
        // decide whether a write's outcome is unknown.
        this.settings = new Breaker.Settings(
                config.breaker().requestVolumeThreshold(),
                config.breaker().failureRatio(),
                Duration.ofMillis(config.breaker().delayMs()),
                config.networkTimeout().plusSeconds(1));
        List.of(PG_PRIMARY, PG_STANDBY, REDIS_MASTER).forEach(this::get);
    }

    public Breaker get(String name) {
        return byName.computeIfAbsent(name, this::create);
    }

    public static String redisReplica(String address) {
        return "redis-replica@" + address;
    }

    public Collection<Breaker> all() {
        return byName.values().stream().sorted(java.util.Comparator.comparing(Breaker::name)).toList();
    }

    private Breaker create(String name) {
        Breaker breaker = new Breaker(name, settings);
        Gauge.builder("circuit.breaker.state", breaker, Breaker::stateCode)
                .description("0 closed, 1 half-open, 2 open")
                .tag("breaker", name)
                .register(registry);
        return breaker;
    }
}
