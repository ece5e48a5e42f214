package io.captier.store.postgres;

import io.captier.Background;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.resilience.Breakers;
import io.captier.store.IdempotencyKey;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.sql.Statement;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Idempotency keys are remembered in PostgreSQL for
 * {@value IdempotencyKey#RETENTION_HOURS} hours after they were first applied (see
 * {@link IdempotencyKey#RETENTION_HOURS}). Every instance purges; doing it twice is harmless.
 */
@ApplicationScoped
public class IdempotencyJanitor {

    private static final Logger LOG = Logger.getLogger(IdempotencyJanitor.class);
    private static final String PURGE =
            "DELETE FROM idempotency WHERE created_at < now() - interval '" + IdempotencyKey.RETENTION_HOURS + " hours'";

    private final PgCluster cluster;
    private final PgCalls calls;
    private final ScheduledExecutorService janitor = Background.scheduler("idempotency-janitor", 1);

    public IdempotencyJanitor(PgCluster cluster, Breakers breakers) {
        this.cluster = cluster;
        this.calls = new PgCalls(cluster, breakers);
    }

    void start(@Observes StartupEvent event) {
        Background.every(janitor, "idempotency-janitor", TimeUnit.MINUTES.toMillis(1), TimeUnit.MINUTES.toMillis(10),
                this::purge);
    }

    void stop(@Observes ShutdownEvent event) {
        janitor.shutdownNow();
    }

    private void purge() {
        try {
            if (!cluster.isMigrated()) {
                return;
            }
            int purged = calls.onPrimary(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate(PURGE);
                }
            });
            if (purged > 0) {
                LogEvent.of("IDEMPOTENCY_PURGED").with(LogEvent.COUNT, purged)
                        .info(LOG, "keys older than " + IdempotencyKey.RETENTION_HOURS + " hours");
            }
        } catch (RuntimeException e) {
            LOG.debugf("idempotency purge waits: %s", Metrics.describeError(e));
        }
    }
}
