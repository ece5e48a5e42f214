package io.captier.cluster.process;

import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How the harness runs PostgreSQL nodes: initdb, configuration, basebackup, start, SQL through psql,
 * promotion. The topology decides which node does what; this class knows how.
 *
 * <p>Each node's directory holds its data directory ({@code data/}), its Unix socket and its log.
 * The configuration files in {@code data/} are written by the harness for the node (its own port and
 * socket directory), also after a basebackup copied the primary's; ALTER SYSTEM settings live in
 * postgresql.auto.conf and travel with the clone.
 */
final class PostgresNodes {

    static final String APP_DATABASE = "captier";
    static final String APP_USER = "captier";
    static final String APP_SCHEMA = "captier";
    private static final String ADMIN_DATABASE = "postgres";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(60);

    final Path bin;
    final String superuserPassword = Processes.randomSecret();
    final String appPassword = Processes.randomSecret();
    final String replicatorPassword = Processes.randomSecret();
    private final Watchdog watchdog;
    private final boolean synchronous;
    private final Archiving archiving;

    /** WAL archiving for every node: its archive_command (given the node's data directory) and
     *  archive_timeout (bounds the RPO, docs/backup.md). */
    record Archiving(java.util.function.Function<Path, String> command, int timeoutSec) {
    }

    /** @param archiving null: no WAL archiving */
    PostgresNodes(Path bin, Watchdog watchdog, boolean synchronous, Archiving archiving) {
        this.bin = bin;
        this.watchdog = watchdog;
        this.synchronous = synchronous;
        this.archiving = archiving;
    }

    /** A fresh cluster with the roles and database captier needs, running as a primary. */
    void initPrimary(Server s) {
        prepareDir(s);
        Path pwFile = s.dir.resolve("superuser.pw");
        try {
            Files.writeString(pwFile, superuserPassword + "\n");
            Processes.chownToPostgres(pwFile);
            // --no-sync: only initdb's own flush; the server itself runs with fsync=on
            tool(s, Duration.ofSeconds(120), Map.of(), "initdb", "-D", data(s).toString(), "--data-checksums",
                    "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--pwfile=" + pwFile, "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(pwFile);
            } catch (IOException ignored) {
                // removed with the temp dir anyway
            }
        }
        writeConfig(s);
        startNew(s);
        // The service's role logs in with a password (scram-sha-256) and owns its schema, nothing
        // more: not the database, no other schema, no superuser, replication or role rights.
        psql(s, ADMIN_DATABASE, SQL_TIMEOUT,
                "CREATE ROLE " + APP_USER + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '"
                        + appPassword + "'",
                "CREATE DATABASE " + APP_DATABASE,
                "REVOKE ALL ON DATABASE " + APP_DATABASE + " FROM PUBLIC",
                "GRANT CONNECT ON DATABASE " + APP_DATABASE + " TO " + APP_USER,
                "ALTER DATABASE " + APP_DATABASE + " SET search_path = " + APP_SCHEMA,
                "CREATE ROLE replicator LOGIN REPLICATION PASSWORD '" + replicatorPassword + "'");
        psql(s, APP_DATABASE, SQL_TIMEOUT, "CREATE SCHEMA " + APP_SCHEMA + " AUTHORIZATION " + APP_USER);
    }

    /** Throws away {@code s}'s data (its processes must be dead) and clones it from {@code primary} as a
     *  streaming standby; returns once the primary lists it as streaming. */
    void cloneStandby(Server s, Server primary) {
        Processes.deleteTree(data(s));
        prepareDir(s);
        String conninfo = "host=" + primary.host() + " port=" + primary.port() + " user=replicator application_name="
                + s.name;
        // -R writes standby.signal and primary_conninfo (with this conninfo and the password) into
        // postgresql.auto.conf, so a restart of the standby finds its primary again.
        tool(s, Duration.ofSeconds(180), Map.of("PGPASSWORD", replicatorPassword), "pg_basebackup",
                "-d", conninfo, "-D", data(s).toString(), "-R", "-X", "stream", "-c", "fast");
        writeConfig(s);
        startNew(s);
        awaitReplication(primary, s, "streaming", null);
    }

    /** Synchronous replication to any standby ('*') on {@code primary}; waits until {@code standby} is
     *  listed as sync. No-op when the topology runs asynchronously. */
    void enableSync(Server primary, Server standby) {
        if (!synchronous) {
            return;
        }
        setSynchronousStandbyNames(primary, "*");
        awaitReplication(primary, standby, "streaming", "sync");
    }

    void setSynchronousStandbyNames(Server s, String value) {
        psql(s, ADMIN_DATABASE, SQL_TIMEOUT, "ALTER SYSTEM SET synchronous_standby_names = '" + value + "'",
                "SELECT pg_reload_conf()");
    }

    /**
     * Promotes a standby and waits until it accepts writes. With synchronous replication the new primary
     * then runs asynchronously (synchronous_standby_names = ''): it has no standby until the old primary
     * is recloned, and a lone primary that waited for one would accept no writes at all. This is what
     * Patroni's non-strict synchronous mode does; {@link #enableSync} turns it back on after a reclone.
     */
    void promote(Server s) {
        psql(s, ADMIN_DATABASE, SQL_TIMEOUT, "SELECT pg_promote(true, 30)");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Status st = status(s, Duration.ofSeconds(5));
            if (st != null && !st.inRecovery()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(s.name + " is still in recovery 30 s after pg_promote");
            }
            Processes.sleep(100);
        }
        if (synchronous) {
            setSynchronousStandbyNames(s, "");
        }
    }

    /** Starts a node during setup: a port that turns out to be taken is replaced by a new one. */
    void startNew(Server s) {
        for (int attempt = 1; ; attempt++) {
            if (s.launch(serverCommand(s), Map.of(), watchdog, this::isReady, READY_TIMEOUT)) {
                return;
            }
            if (attempt == 3) {
                throw new IllegalStateException(s.name + " did not start (3 attempts):\n" + Processes.tail(s.log, 30));
            }
            s.changePort(FreePorts.next());
            writeConfig(s);
        }
    }

    /**
     * Starts a node again on its own port and data. Right after a kill -9 the old postmaster.pid or
     * shared memory segment can still look in use for a moment, so failed starts are retried for a while.
     */
    void restart(Server s) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!s.launch(serverCommand(s), Map.of(), watchdog, this::isReady, READY_TIMEOUT)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(s.name + " did not restart:\n" + Processes.tail(s.log, 30));
            }
            Processes.sleep(500);
        }
    }

    record Status(boolean inRecovery, long timeline) {
    }

    /** In recovery or not, and a primary's timeline; null when the node does not answer in time. */
    Status status(Server s, Duration timeout) {
        if (!s.isUp()) {
            return null;
        }
        try {
            List<List<String>> rows = psql(s, ADMIN_DATABASE, timeout, "SELECT pg_is_in_recovery(), CASE WHEN "
                    + "pg_is_in_recovery() THEN '' ELSE pg_walfile_name(pg_current_wal_lsn()) END");
            List<String> row = rows.get(0);
            boolean inRecovery = row.get(0).equals("t");
            // a WAL file name starts with the timeline as 8 hex digits
            long timeline = inRecovery ? -1 : Long.parseLong(row.get(1).substring(0, 8), 16);
            return new Status(inRecovery, timeline);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Waits until {@code primary}'s pg_stat_replication shows {@code standby} in {@code state} (and
     *  {@code syncState} unless null). */
    void awaitReplication(Server primary, Server standby, String state, String syncState) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<List<String>> rows = List.of();
        while (System.nanoTime() < deadline) {
            rows = psql(primary, ADMIN_DATABASE, Duration.ofSeconds(10),
                    "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = '" + standby.name + "'");
            for (List<String> r : rows) {
                if (r.get(0).equals(state) && (syncState == null || r.get(1).equals(syncState))) {
                    return;
                }
            }
            Processes.sleep(100);
        }
        throw new IllegalStateException(standby.name + " not " + state + (syncState == null ? "" : "/" + syncState)
                + " on " + primary.name + " after 30 s (pg_stat_replication: " + rows + ")\n"
                + Processes.tail(standby.log, 20));
    }

    /**
     * Runs each command through psql as the superuser over the node's Unix socket; each command is its own
     * implicit transaction (so ALTER SYSTEM and CREATE DATABASE work). Returns the rows of the last
     * command's result, columns split on tab; NULL comes back as an empty string.
     */
    List<List<String>> psql(Server s, String database, Duration timeout, String... commands) {
        List<String> args = new ArrayList<>(List.of("psql", "-h", s.dir.toString(), "-p", Integer.toString(s.port()),
                "-U", "postgres", "-d", database, "-At", "-F", "\t", "-X", "-q", "-v", "ON_ERROR_STOP=1"));
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        String out = Processes.runOrThrow(Processes.asPostgres(withBin(args)),
                Map.of("PGCONNECT_TIMEOUT", Long.toString(Math.max(2, timeout.toSeconds()))), s.dir, timeout);
        List<List<String>> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isEmpty()) {
                rows.add(Arrays.asList(line.split("\t", -1)));
            }
        }
        return rows;
    }

    private boolean isReady(Server s) {
        return Processes.run(pgCommand("pg_isready", "-q", "-h", s.dir.toString(), "-p", Integer.toString(s.port()),
                "-t", "1"), Map.of(), s.dir, Duration.ofSeconds(5)).ok();
    }

    private List<String> serverCommand(Server s) {
        return pgCommand("postgres", "-D", data(s).toString());
    }

    /** A PostgreSQL tool from our bin directory, as the postgres OS user when we are root. */
    private List<String> pgCommand(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(Arrays.asList(args));
        return Processes.asPostgres(withBin(cmd));
    }

    /** The command with its tool name resolved in our bin directory (the highest installed version). */
    private List<String> withBin(List<String> command) {
        List<String> cmd = new ArrayList<>(command);
        cmd.set(0, bin.resolve(cmd.get(0)).toString());
        return cmd;
    }

    private String tool(Server s, Duration timeout, Map<String, String> env, String tool, String... args) {
        return Processes.runOrThrow(pgCommand(tool, args), env, s.dir, timeout);
    }

    static Path data(Server s) {
        return s.dir.resolve("data");
    }

    private static void prepareDir(Server s) {
        try {
            Files.createDirectories(s.dir);
            Processes.chownToPostgres(s.dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the node's own postgresql.conf and pg_hba.conf into its data directory (also after a
     *  restore or clone brought another node's). */
    void writeConfig(Server s) {
        String conf = """
                # written by the captier test harness for %s
                listen_addresses = '%s'
                port = %d
                unix_socket_directories = '%s'
                max_connections = 200
                shared_buffers = 32MB
                wal_level = replica
                max_wal_senders = 10
                max_replication_slots = 10
                wal_keep_size = 256MB
                hot_standby = on
                hot_standby_feedback = on
                wal_log_hints = on
                fsync = on
                synchronous_commit = on
                timezone = 'UTC'
                log_timezone = 'UTC'
                log_line_prefix = '%%m [%%p] %%q%%a '
                """.formatted(s.name, s.host(), s.port(), s.dir);
        if (archiving != null) {
            // on both nodes: a standby does not archive (archive_mode=on, not always) until it is promoted
            conf += """
                    archive_mode = on
                    archive_command = '%s'
                    archive_timeout = %ds
                    """.formatted(archiving.command().apply(data(s)), archiving.timeoutSec());
        }
        // on a harness network the other nodes and the service come from the hosts' subnet
        String clients = s.netHost == null ? "127.0.0.1/32" : s.netHost.subnet();
        String hba = """
                # written by the captier test harness
                local   all           all                    trust
                local   replication   all                    trust
                host    all           all   %s     scram-sha-256
                host    replication   all   %s     scram-sha-256
                """.formatted(clients, clients);
        try {
            Files.writeString(data(s).resolve("postgresql.conf"), conf);
            Files.writeString(data(s).resolve("pg_hba.conf"), hba);
            Processes.chownToPostgres(data(s).resolve("postgresql.conf"));
            Processes.chownToPostgres(data(s).resolve("pg_hba.conf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
