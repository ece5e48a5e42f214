package io.captier.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.semconv.DbAttributes;
import io.opentelemetry.semconv.ServerAttributes;

/**
 * A store call's span as the OpenTelemetry semantic conventions describe a database client
 * span (semconv 1.37, "Database client spans"; the stable {@code db.*} and {@code server.*}
 * attributes): kind CLIENT, which the caller's {@code @WithSpan(kind = SpanKind.CLIENT)}
 * gives it, and {@code db.system.name}, {@code db.operation.name}, {@code server.address}
 * and {@code server.port} of the node the call went to, which this sets. The node is known
 * only inside the call (the primary or the Redis master of the moment), so callers take
 * {@link Span#current()} when their method starts and describe it once they know.
 *
 * <p>The stores' drivers make no spans of their own here: the JDBC pools are captier's own
 * (no {@code quarkus.datasource.jdbc.telemetry}) and the Redis client's instrumentation is
 * off ({@code quarkus.otel.instrument.vertx-redis-client=false}), so these are the only
 * CLIENT spans of a store call.
 */
public final class DbSpans {

    /** {@code db.system.name} of PostgreSQL (a stable value). */
    public static final String POSTGRESQL = DbAttributes.DbSystemNameValues.POSTGRESQL;
    /** {@code db.system.name} of Redis (listed by semconv's incubating values, not yet stable ones). */
    public static final String REDIS = "redis";

    private DbSpans() {
    }

    /**
     * Sets the database attributes of one call on its span; a later call (a retry on a new
     * master) overwrites them.
     *
     * @param span      the call's CLIENT span; a no-op span when tracing is off
     * @param system    {@link #POSTGRESQL} or {@link #REDIS}
     * @param operation the SQL statement's keyword ({@code SELECT}, {@code INSERT}) or the
     *                  Redis command ({@code HMGET}, {@code EVALSHA})
     * @param node      the node called, as {@code host:port} ({@code [v6]:port} too); the
     *                  port is left out when it is not a number
     */
    public static void describe(Span span, String system, String operation, String node) {
        span.setAttribute(DbAttributes.DB_SYSTEM_NAME, system);
        span.setAttribute(DbAttributes.DB_OPERATION_NAME, operation);
        int colon = node.lastIndexOf(':');
        String host = colon < 0 ? node : node.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        span.setAttribute(ServerAttributes.SERVER_ADDRESS, host);
        if (colon >= 0) {
            try {
                span.setAttribute(ServerAttributes.SERVER_PORT, Long.parseLong(node.substring(colon + 1)));
            } catch (NumberFormatException notAPort) {
                // server.port is optional; a wrong one would mislead.
            }
        }
    }
}
