package io.captier.cluster.container;

import static io.captier.cluster.container.ContainerSupport.await;
import static io.captier.cluster.container.ContainerSupport.describe;
import static io.captier.cluster.container.ContainerSupport.exec;
import static io.captier.cluster.container.ContainerSupport.hostContainer;
import static io.captier.cluster.container.ContainerSupport.withDeadline;

import io.captier.cluster.topology.Topology.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;

/**
 * PostgreSQL nodes as {@code postgres:15} containers on the host network: how to create a primary
 * and a streaming standby, and the psql-based operations the topology needs on them.
 *
 * <p>Settings that never change go on the {@code postgres} command line. {@code
 * synchronous_standby_names} does not: command-line settings outrank {@code ALTER SYSTEM}, and
 * promotion and re-cloning switch it with {@code ALTER SYSTEM}, so it lives in
 * {@code postgresql.auto.conf} (set by the init script, copied to the standby by pg_basebackup).
 */
final class ContainerPostgres {

    static final String IMAGE = "postgres:15";
    static final String DATABASE = "captier";
    static final String APP_USER = "captier";
    static final String SUPERUSER = "postgres";
    static final String REPLICATION_USER = "replicator";
    /** psql runs under coreutils' timeout so a hung server (or a commit waiting for a standby that is
     *  gone) cannot hang the test; as long as the process topology allows. */
    static final int SQL_TIMEOUT_SECONDS = 60;

    /** Whether the primary waits for the standby (TopologyOptions.synchronousReplication). */
    private final boolean synchronous;
    private final String superPassword = ContainerSupport.randomPassword();
    private final String appPassword = ContainerSupport.randomPassword();
    private final String replicationPassword = ContainerSupport.randomPassword();

    /** @param synchronous whether the primary starts with, and a re-clone gets back, a synchronous standby */
    ContainerPostgres(boolean synchronous) {
        this.synchronous = synchronous;
    }

    boolean synchronous() {
        return synchronous;
    }

    String appPassword() {
        return appPassword;
    }

    /** A fresh cluster initialised by the image's entrypoint (initdb plus our init scripts). */
    GenericContainer<?> primary(Node node) {
        String initSql = String.join("\n",
                // as in the process topology: the service's role owns its schema and nothing more
                "CREATE ROLE " + APP_USER + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + appPassword + "';",
                "CREATE DATABASE " + DATABASE + ";",
                "REVOKE ALL ON DATABASE " + DATABASE + " FROM PUBLIC;",
                "GRANT CONNECT ON DATABASE " + DATABASE + " TO " + APP_USER + ";",
                "ALTER DATABASE " + DATABASE + " SET search_path = " + APP_USER + ";",
                "\\connect " + DATABASE,
                "CREATE SCHEMA " + APP_USER + " AUTHORIZATION " + APP_USER + ";",
                "\\connect postgres",
                "CREATE ROLE " + REPLICATION_USER + " REPLICATION LOGIN PASSWORD '" + replicationPassword + "';",
                // synchronous unless asked otherwise; see the class comment for why this is not a -c setting
                "ALTER SYSTEM SET synchronous_standby_names = '" + (synchronous ? "*" : "") + "';",
                "");
        // initdb's own replication lines cover this too; being explicit keeps it independent of them.
        // pg_basebackup copies pg_hba.conf, so a promoted standby accepts the re-cloned node as well.
        String hbaScript = "echo 'host replication " + REPLICATION_USER
                + " 127.0.0.1/32 scram-sha-256' >> \"$PGDATA/pg_hba.conf\"\n";
        GenericContainer<?> container = hostContainer(IMAGE, node.name());
        container.withEnv("POSTGRES_USER", SUPERUSER);
        container.withEnv("POSTGRES_PASSWORD", superPassword);
        // --auth-host: without it initdb trusts every 127.0.0.1 connection, and with host networking
        // that would let any password (or none) through, unlike the process topology.
        container.withEnv("POSTGRES_INITDB_ARGS", "--data-checksums --auth-local=trust --auth-host=scram-sha-256");
        container.withCopyToContainer(Transferable.of(initSql), "/docker-entrypoint-initdb.d/10-captier-roles.sql");
        container.withCopyToContainer(Transferable.of(hbaScript), "/docker-entrypoint-initdb.d/20-captier-hba.sh");
        container.withCommand(serverCommand(node.port()).toArray(String[]::new));
        return container;
    }

    /**
     * A standby cloned from {@code primary} by pg_basebackup on its first start. A restart after a
     * kill finds PG_VERSION and starts from the container's own data, as a real node would.
     */
    GenericContainer<?> standby(Node node, Node primary) {
        String conninfo = "host=127.0.0.1 port=" + primary.port() + " user=" + REPLICATION_USER
                + " application_name=" + node.name();
        String script = String.join("\n",
                "set -eu",
                "if [ ! -s \"$PGDATA/PG_VERSION\" ]; then",
                // as the postgres user: the server refuses a data directory it does not own
                "  PGPASSWORD=" + replicationPassword + " gosu postgres pg_basebackup -d '" + conninfo + "'"
                        + " -D \"$PGDATA\" -R -X stream --checkpoint=fast",
                // a later line in postgresql.auto.conf wins over the one -R wrote; this one names the
                // standby in the primary's pg_stat_replication
                "  echo \"primary_conninfo = '" + conninfo + " password=" + replicationPassword + "'\""
                        + " >> \"$PGDATA/postgresql.auto.conf\"",
                "fi",
                // the image's entrypoint fixes ownership and permissions, drops to postgres and,
                // finding a data directory, skips initdb
                "exec docker-entrypoint.sh " + String.join(" ", serverCommand(node.port())),
                "");
        GenericContainer<?> container = hostContainer(IMAGE, node.name());
        container.withCopyToContainer(Transferable.of(script), "/captier/standby.sh");
        container.withCommand("bash", "/captier/standby.sh");
        return container;
    }

    private static List<String> serverCommand(int port) {
        return List.of("postgres",
                "-c", "listen_addresses=127.0.0.1",
                "-c", "port=" + port,
                "-c", "wal_level=replica",
                "-c", "max_wal_senders=10",
                "-c", "hot_standby=on",
                "-c", "wal_keep_size=256MB",
                "-c", "synchronous_commit=on");
    }

    /** psql as the superuser over TCP to the node's own port, in the node's own container. */
    ExecResult psql(GenericContainer<?> container, Node node, String sql, int timeoutSeconds) {
        List<String> command = List.of("psql", "-h", "127.0.0.1", "-p", String.valueOf(node.port()),
                "-U", SUPERUSER, "-d", DATABASE, "-At", "-F", "\t", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql);
        Map<String, String> env = Map.of("PGPASSWORD", superPassword, "PGCONNECT_TIMEOUT", "5");
        return exec(container, env, withDeadline(timeoutSeconds, command));
    }

    List<List<String>> sql(GenericContainer<?> container, Node node, String sql) {
        ExecResult result = psql(container, node, sql, SQL_TIMEOUT_SECONDS);
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(node.name() + ": " + sql + " failed, " + describe(result));
        }
        List<List<String>> rows = new ArrayList<>();
        for (String line : result.getStdout().split("\n")) {
            if (!line.isEmpty()) {
                rows.add(Arrays.asList(line.split("\t", -1)));
            }
        }
        return rows;
    }

    private String value(GenericContainer<?> container, Node node, String sql) {
        List<List<String>> rows = sql(container, node, sql);
        return rows.isEmpty() ? "" : rows.get(0).get(0);
    }

    boolean inRecovery(GenericContainer<?> container, Node node) {
        return "t".equals(value(container, node, "SELECT pg_is_in_recovery()"));
    }

    /** The primary's timeline, or -1 for a node in recovery (WAL functions fail there). */
    long timeline(GenericContainer<?> container, Node node) {
        String tli = value(container, node, "SELECT CASE WHEN pg_is_in_recovery() THEN '' "
                + "ELSE substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END");
        return tli.isEmpty() ? -1 : Long.parseLong(tli, 16);
    }

    void awaitAnswering(GenericContainer<?> container, Node node, Duration timeout) {
        await(node.name() + " to accept connections", timeout, () -> {
            ContainerSupport.requireRunning(container, node.name());
            return "1".equals(value(container, node, "SELECT 1"));
        });
    }

    /** Waits until the primary lists {@code standby} as streaming (and synchronous, if asked). */
    void awaitStreaming(GenericContainer<?> primaryContainer, Node primary, GenericContainer<?> standbyContainer,
            Node standby, boolean sync, Duration timeout) {
        await(standby.name() + " streaming from " + primary.name() + (sync ? " synchronously" : ""), timeout, () -> {
            ContainerSupport.requireRunning(standbyContainer, standby.name()); // e.g. pg_basebackup failed
            List<List<String>> rows = sql(primaryContainer, primary, "SELECT state, sync_state FROM pg_stat_replication"
                    + " WHERE application_name = '" + standby.name() + "'");
            return rows.size() == 1 && rows.get(0).get(0).equals("streaming")
                    && (!sync || rows.get(0).get(1).equals("sync"));
        });
    }

    /**
     * Switches synchronous replication on or off. Off after a promotion: a lone primary must not
     * block every commit waiting for a standby that is not there yet.
     */
    void setSynchronous(GenericContainer<?> container, Node node, boolean on) {
        // separate statements: ALTER SYSTEM refuses to run in the implicit transaction of a multi-statement -c
        sql(container, node, "ALTER SYSTEM SET synchronous_standby_names = '" + (on ? "*" : "") + "'");
        sql(container, node, "SELECT pg_reload_conf()");
    }

    /** Promotes a standby, drops synchronous replication and waits until a commit goes through. */
    void promote(GenericContainer<?> container, Node node, Duration timeout) {
        if (!inRecovery(container, node)) {
            throw new IllegalStateException(node.name() + " is not a standby");
        }
        // pg_promote waits (here up to 30 s, inside psql's deadline) until the node left recovery
        if (!"t".equals(value(container, node, "SELECT pg_promote(true, 30)"))) {
            throw new IllegalStateException(node.name() + " did not finish promotion within 30 s");
        }
        await(node.name() + " to leave recovery", timeout, () -> !inRecovery(container, node));
        setSynchronous(container, node, false);
        await(node.name() + " to commit without a synchronous standby", timeout, () -> commits(container, node));
    }

    /**
     * Commits a transaction that needs an xid. The reload that dropped synchronous replication
     * reaches the server asynchronously; until it does the commit waits for a standby, so the client
     * gives up after a few seconds (statement_timeout does not cover the commit's wait). A backend
     * left waiting is released by the server once the reload lands.
     */
    private boolean commits(GenericContainer<?> container, Node node) {
        return psql(container, node, "SELECT txid_current()", 5).getExitCode() == 0;
    }
}
