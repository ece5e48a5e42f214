package io.captier.store.postgres;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One PostgreSQL server named in DATABASE_URL: its connection pools and what the last
 * probe learnt of it. Pools are created on first use and never hold idle connections
 * to a node that failed, so a dead node costs one refused connect, not a queue of them.
 */
public final class PgNode implements AutoCloseable {

    private final DatabaseUrl.HostPort host;
    private final Pools pools;
    /** By pgjdbc targetServerType: "primary" and "any"; created on first use. */
    private final Map<String, AgroalDataSource> byTarget = new ConcurrentHashMap<>();
    private volatile PgProbe probe = PgProbe.never();

    PgNode(DatabaseUrl.HostPort host, Pools pools) {
        this.host = host;
        this.pools = pools;
    }

    /** host:port, the node's name in metrics, /nodes and logs. */
    public String name() {
        return host.address();
    }

    /**
     * Connections that pgjdbc only opens to a primary ({@code targetServerType=primary}):
     * a node that is in recovery refuses them, whatever the probe believed.
     */
    public AgroalDataSource primaryPool() {
        return byTarget.computeIfAbsent("primary", target -> pools.create(host, target));
    }

    /** Connections to this node whatever its role: standby reads and probes. */
    public AgroalDataSource anyPool() {
        return byTarget.computeIfAbsent("any", target -> pools.create(host, target));
    }

    public PgProbe probe() {
        return probe;
    }

    void probed(PgProbe result) {
        this.probe = result;
    }

    /** After a connection-level failure: drop idle connections, they share its fate. */
    void flushIdle() {
        byTarget.values().forEach(pool -> pool.flush(AgroalDataSource.FlushMode.IDLE));
    }

    @Override
    public void close() {
        byTarget.values().forEach(AgroalDataSource::close);
    }

    /** SQLSTATE class 08 (connection exception) and 57P (server shutting down) end a connection. */
    static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }

    /** Builds the per-node pools with the same credentials and timeouts for every node. */
    record Pools(DatabaseUrl url, String user, String password, int maxSize, Duration timeout, String applicationName) {

        /** pgjdbc takes whole seconds: the timeout rounded up, never down to 0 ("no timeout"). */
        static long socketTimeoutSeconds(Duration timeout) {
            return Math.max(1, (timeout.toMillis() + 999) / 1000);
        }

        AgroalDataSource create(DatabaseUrl.HostPort host, String targetServerType) {
            String seconds = Long.toString(socketTimeoutSeconds(timeout));
            String jdbcUrl = url.forHost(host, Map.of(
                    "targetServerType", targetServerType,
                    "connectTimeout", seconds,
                    "socketTimeout", seconds,
                    "loginTimeout", seconds,
                    "tcpKeepAlive", "true",
                    "ApplicationName", applicationName));
            AgroalDataSourceConfigurationSupplier config = new AgroalDataSourceConfigurationSupplier()
                    .connectionPoolConfiguration(pool -> pool
                            .initialSize(0)
                            .minSize(0)
                            .maxSize(maxSize)
                            .acquisitionTimeout(timeout)
                            .exceptionSorter(PgNode::isConnectionLoss)
                            .connectionFactoryConfiguration(factory -> factory
                                    .connectionProviderClass(org.postgresql.Driver.class)
                                    .jdbcUrl(jdbcUrl)
                                    .autoCommit(true)
                                    .principal(new NamePrincipal(user))
                                    .credential(new SimplePassword(password))));
            try {
                return AgroalDataSource.from(config);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create a pool for " + host.address(), e);
            }
        }
    }
}
