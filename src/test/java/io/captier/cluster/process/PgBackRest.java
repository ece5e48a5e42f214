package io.captier.cluster.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.cluster.os.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * pgBackRest (Debian package {@code pgbackrest}, 2.45) for the harness's two PostgreSQL nodes: one
 * stanza, {@value #STANZA}, whose repository is on local disk in the topology's directory
 * ({@code pgbackrest/repo}), with its own config file so that several topologies on one machine never
 * share a repository. Every command runs as the postgres OS user (PostgreSQL refuses root, and the
 * repository must belong to the user that archives into it).
 *
 * <p>The config lists both nodes as {@code pg1} and {@code pg2}: {@code backup} asks each which is the
 * primary, so backups follow a promotion; {@link #archiveCommand} goes into both nodes'
 * postgresql.conf, so WAL archiving does too (a standby with {@code archive_mode=on} does not archive;
 * once promoted it does). Which options exist and what they mean: https://pgbackrest.org/configuration.html
 * and https://pgbackrest.org/command.html.
 */
final class PgBackRest {

    static final String STANZA = "captier";
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;

    /** @param home the directory holding the config, repository, logs, lock and spool (created here) */
    PgBackRest(Path home) {
        this.home = home;
    }

    /** The config file every command and the archive_command name. */
    Path config() {
        return home.resolve("pgbackrest.conf");
    }

    /** The repository (repo1-path): backups and archived WAL. */
    Path repo() {
        return home.resolve("repo");
    }

    /**
     * The archive_command for the postgresql.conf of the node whose data directory is {@code dataDir}:
     * pushes {@code %p} into this stanza's repository. archive-push compares the calling server's data
     * directory with pg1-path and refuses a mismatch, so each node names its own (without it, pg-b
     * promoted could not archive: found by BackupRestoreIT).
     */
    String archiveCommand(Path dataDir) {
        return "pgbackrest --config=" + config() + " --stanza=" + STANZA + " --pg1-path=" + dataDir + " archive-push %p";
    }

    /**
     * Writes the config for these nodes (ports change when a node had to move at start, so this is
     * written again whenever that can have happened). pg1 and pg2 are the nodes in the order given.
     *
     * @throws UncheckedIOException when the files cannot be written
     */
    void writeConfig(List<Server> pgNodes) {
        StringBuilder conf = new StringBuilder("""
                # written by the captier test harness
                [global]
                repo1-path=%s
                # two full backups (and the incrementals on them) and their WAL are kept
                repo1-retention-full=2
                log-path=%s
                lock-path=%s
                spool-path=%s
                log-level-console=warn
                log-level-file=info
                # a backup starts with an immediate checkpoint instead of waiting for the next one
                start-fast=y
                compress-type=lz4
                process-max=2

                [%s]
                """.formatted(repo(), home.resolve("log"), home.resolve("lock"), home.resolve("spool"), STANZA));
        for (int i = 0; i < pgNodes.size(); i++) {
            Server s = pgNodes.get(i);
            conf.append("pg%d-path=%s%npg%d-port=%d%npg%d-socket-path=%s%npg%d-user=postgres%n".formatted(
                    i + 1, PostgresNodes.data(s), i + 1, s.port(), i + 1, s.dir, i + 1));
        }
        try {
            for (String dir : List.of("repo", "log", "lock", "spool")) {
                Files.createDirectories(home.resolve(dir));
            }
            Files.writeString(config(), conf.toString());
            Processes.chownToPostgres(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates the stanza (idempotent: an existing one that matches is kept), then runs {@code check}: it
     * switches the WAL and waits until the segment is archived. That proves archive_command works, and
     * wakes PostgreSQL's archiver, which failed on the segments written before the stanza existed and
     * would otherwise retry only after its 60 s back-off, so the first backup would wait for it.
     *
     * @throws IllegalStateException with pgBackRest's message when either fails (needs the primary up)
     */
    void stanzaCreate() {
        run("stanza-create");
        run("check");
    }

    /**
     * Archives the WAL segment the primary is writing now ({@code check}: a WAL switch, then a wait
     * until the segment is in the repository), so that a restore reaches every commit made up to
     * this call.
     *
     * @return false when it could not (no primary answers, archiving broken); nothing is changed then
     */
    boolean archiveCurrentWal() {
        try {
            run("check");
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Takes a backup from whichever node is the primary now and waits until the WAL it needs is archived.
     *
     * @param incremental an incremental on the last backup; false for a full one (pgBackRest takes a
     *                    full one anyway when there is none to build on)
     * @return the label of the new backup (e.g. {@code 20261130-135001F})
     * @throws IllegalStateException with pgBackRest's message when it fails (no primary, archiving broken)
     */
    String backup(boolean incremental) {
        run("--type=" + (incremental ? "incr" : "full"), "backup");
        List<Backup> all = backups();
        return all.get(all.size() - 1).label();
    }

    /** One backup of the repository; times in epoch seconds. */
    record Backup(String label, String type, long startEpoch, long stopEpoch) {
    }

    /** The backups in the repository, oldest first (empty when there are none or no stanza). */
    List<Backup> backups() {
        List<Backup> out = new ArrayList<>();
        for (JsonNode b : stanzaInfo().path("backup")) {
            out.add(new Backup(b.path("label").asText(), b.path("type").asText(),
                    b.path("timestamp").path("start").asLong(), b.path("timestamp").path("stop").asLong()));
        }
        return out;
    }

    /** The highest WAL timeline in the archive (from the newest archived segment's name), or 0 with none. */
    long maxArchivedTimeline() {
        long max = 0;
        for (JsonNode a : stanzaInfo().path("archive")) {
            String wal = a.path("max").asText("");
            if (wal.length() >= 8) {
                max = Math.max(max, Long.parseLong(wal.substring(0, 8), 16));
            }
        }
        return max;
    }

    /** {@code pgbackrest info} as people read it. */
    String infoText() {
        return run("info");
    }

    private JsonNode stanzaInfo() {
        try {
            JsonNode all = JSON.readTree(run("--output=json", "info"));
            return all.isArray() && all.size() > 0 ? all.get(0) : JSON.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores the newest backup that fits into {@code dataDir}, which must be missing or empty, and
     * configures recovery: to the end of the archived WAL when {@code targetTime} is null, else to that
     * time ({@code --type=time}, then promote). PostgreSQL chooses the new timeline one above the highest
     * it finds in the archive's history files, so the restored primary is never on a timeline a running
     * captier instance has fenced (see docs/backup.md).
     *
     * @param targetTime a PostgreSQL timestamp with zone, e.g. {@code 2026-11-30 13:50:00+00}, or null
     * @throws IllegalStateException with pgBackRest's message when it fails
     */
    void restore(Path dataDir, String targetTime) {
        List<String> args = new ArrayList<>(List.of("--pg1-path=" + dataDir));
        if (targetTime != null) {
            args.addAll(List.of("--type=time", "--target=" + targetTime, "--target-action=promote"));
        }
        args.add("restore");
        run(args.toArray(String[]::new));
    }

    private String run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("pgbackrest", "--config=" + config(), "--stanza=" + STANZA));
        cmd.addAll(List.of(args));
        return Processes.runOrThrow(Processes.asPostgres(cmd), Map.of(), home, COMMAND_TIMEOUT);
    }
}
