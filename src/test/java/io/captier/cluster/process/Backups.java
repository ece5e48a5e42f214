package io.captier.cluster.process;

import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Resp;
import io.captier.cluster.topology.Topology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Backup and point-in-time restore of a {@link ProcessTopology} (issue #15, docs/backup.md): PostgreSQL
 * through {@link PgBackRest}; of Redis only the pending-write stream, because the rest of Redis is a
 * projection of PostgreSQL that the instances rebuild (docs/decisions.md, "Backups").
 *
 * <p>Restore works under running captier instances: the restored primary is promoted onto a timeline
 * above every archived one, so their timeline fence (docs/decisions.md, "Fencing by timeline") accepts
 * it; {@link #restore} checks that and refuses to call the restore done otherwise. Operations for
 * scripts/backup and scripts/restore arrive through {@link #act}.
 */
public final class Backups {

    /** The Redis key of the pending-write stream (io.captier.store.redis.RedisKeys.PENDING). */
    static final String PENDING_STREAM = "captier:meta:pending";
    private static final Duration PROMOTION_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(30);
    /** Deletes every key but the pending stream in one atomic call: the projection, its completeness
     *  mark, heartbeats and idempotency records all describe the PostgreSQL that was replaced. */
    private static final String KEEP_ONLY_PENDING = """
            local n = 0
            for _, k in ipairs(redis.call('KEYS', '*')) do
              if k ~= ARGV[1] then redis.call('UNLINK', k); n = n + 1 end
            end
            return n""";
    /** DUMP as hex text: the harness's RESP client speaks UTF-8 strings, a DUMP payload is binary. */
    private static final String DUMP_HEX = """
            local d = redis.call('DUMP', KEYS[1])
            if not d then return '' end
            return (d:gsub('.', function(c) return string.format('%02x', string.byte(c)) end))""";
    private static final String RESTORE_HEX = """
            local d = ARGV[1]:gsub('..', function(h) return string.char(tonumber(h, 16)) end)
            return redis.call('RESTORE', KEYS[1], 0, d)""";
    /** What scripts/restore --to accepts: ISO-8601 or PostgreSQL's "YYYY-MM-DD HH:MM:SS[+ZZ]". */
    private static final DateTimeFormatter TARGET = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd").optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd().appendPattern("HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 6, true).optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .parseDefaulting(ChronoField.OFFSET_SECONDS, 0).toFormatter();

    private final ProcessTopology topology;
    private final PgBackRest pgBackRest;

    Backups(ProcessTopology topology, PgBackRest pgBackRest) {
        this.topology = topology;
        this.pgBackRest = pgBackRest;
    }

    /**
     * The control-port operations of scripts/backup and scripts/restore (Up delegates to this).
     *
     * @param op     {@code backup}, {@code backup-info} or {@code restore}
     * @param target for backup: {@code full} (or empty) or {@code incr}; for restore: {@code latest}
     *               (or empty) or a timestamp; a restore is followed by a full backup on the new timeline
     * @return the text for the person who asked
     * @throws IllegalArgumentException for an unknown operation or argument (nothing was changed)
     * @throws IllegalStateException when the operation failed
     */
    public String act(String op, String target) {
        return switch (op) {
            case "backup" -> {
                if (!target.isEmpty() && !target.equals("full") && !target.equals("incr")) {
                    throw new IllegalArgumentException("backup takes full or incr, not " + target);
                }
                long started = System.nanoTime();
                String label = backup(target.equals("incr"));
                yield "backup " + label + " done in " + (System.nanoTime() - started) / 1_000_000 + " ms\n"
                        + pgBackRest.infoText();
            }
            case "backup-info" -> pgBackRest.infoText();
            case "restore" -> {
                long started = System.nanoTime();
                long timeline = restore(target.isEmpty() || target.equals("latest") ? null : target);
                long restored = System.nanoTime();
                // The older backups lie on the old timeline: one taken after the point a restore went back
                // to is not on the new timeline's history, and a later restore to the latest would pick it
                // and fail to start (found with scripts/restore --to, then scripts/restore). A full backup
                // on the new timeline is what the next restore starts from.
                String label = backup(false);
                yield "restore done in " + (restored - started) / 1_000_000 + " ms; primary on timeline " + timeline
                        + "; then full backup " + label + " on it (" + (System.nanoTime() - restored) / 1_000_000
                        + " ms)\n" + topology.describe();
            }
            default -> throw new IllegalArgumentException("unknown operation " + op);
        };
    }

    /**
     * Takes a backup of PostgreSQL from the current primary and saves the Redis pending stream next to
     * it (when the Redis master has one).
     *
     * @param incremental incremental on the last backup, else full
     * @return the pgBackRest label of the backup
     * @throws IllegalStateException when pgBackRest fails (no primary, archiving broken: its message says)
     */
    public String backup(boolean incremental) {
        String label = pgBackRest.backup(incremental);
        savePendingStream(label);
        return label;
    }

    /** The labels of the backups in the repository, oldest first. */
    public List<String> labels() {
        return pgBackRest.backups().stream().map(PgBackRest.Backup::label).toList();
    }

    /**
     * Replaces both PostgreSQL nodes with a restore and brings Redis back: kills whatever PostgreSQL
     * still runs, restores the newest fitting backup into pg-a and replays archived WAL to the end (or to
     * {@code targetTime}), waits for the promotion, re-clones pg-b from it as the standby, restarts Redis
     * servers that are down, keeps only the pending stream in Redis (restored from the backup when Redis
     * lost it) so that the instances rebuild the projection from the restored PostgreSQL.
     *
     * <p>Everything that can be checked is checked before anything is stopped.
     *
     * @param targetTime null for the latest state the archive holds, else a timestamp (see {@link #parseTarget})
     * @return the restored primary's timeline
     * @throws IllegalArgumentException for a malformed target or one before the oldest backup (nothing changed)
     * @throws IllegalStateException when a step fails; the message says which
     */
    public long restore(String targetTime) {
        List<PgBackRest.Backup> all = pgBackRest.backups();
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no backup in " + pgBackRest.repo() + "; take one with scripts/backup");
        }
        String pgTarget = null;
        Instant target = null;
        if (targetTime != null) {
            target = parseTarget(targetTime);
            if (target.getEpochSecond() < all.get(0).stopEpoch()) {
                throw new IllegalArgumentException(targetTime + " is before the end of the oldest backup ("
                        + Instant.ofEpochSecond(all.get(0).stopEpoch()) + "); nothing to restore it from");
            }
            if (target.isAfter(Instant.now())) {
                throw new IllegalArgumentException(targetTime + " is in the future");
            }
            pgTarget = DateTimeFormatter.ISO_INSTANT.format(target).replace('T', ' ').replace("Z", "+00");
        }
        // A primary that still answers (a restore after a mistake, not a loss) first archives the WAL
        // it is writing: the restore then reaches everything committed up to now, and a target time
        // in the last archive_timeout seconds is covered rather than beyond the archive's end.
        boolean flushed = pgBackRest.archiveCurrentWal();
        System.out.println(flushed ? "restore: the primary's current WAL is archived"
                : "restore: no primary answers; restoring what the archive holds");
        long archivedTimeline = pgBackRest.maxArchivedTimeline();

        Server a = topology.server(ProcessTopology.PG_A);
        Server b = topology.server(ProcessTopology.PG_B);
        PostgresNodes pg = topology.postgresNodes();
        a.kill();
        b.kill();
        Processes.deleteTree(PostgresNodes.data(a));
        Processes.deleteTree(PostgresNodes.data(b));
        pgBackRest.restore(PostgresNodes.data(a), pgTarget);
        // the backup may come from pg-b: its port and socket must not come back with it
        pg.writeConfig(a);
        pg.restart(a);
        awaitPromoted(pg, a);
        // pgBackRest wrote the recovery settings into postgresql.auto.conf; pg_basebackup would copy
        // them to pg-b, which would then stop at the same target and promote itself (found by
        // BackupRestoreIT). No synchronous standby until pg-b is back, or every commit would wait for it.
        pg.psql(a, "postgres", SQL_TIMEOUT, "ALTER SYSTEM RESET restore_command", "ALTER SYSTEM RESET recovery_target",
                "ALTER SYSTEM RESET recovery_target_time", "ALTER SYSTEM RESET recovery_target_action",
                "ALTER SYSTEM RESET recovery_target_timeline", "SELECT pg_reload_conf()");
        pg.setSynchronousStandbyNames(a, "");
        long timeline = pg.status(a, SQL_TIMEOUT).timeline();
        if (timeline <= archivedTimeline) {
            throw new IllegalStateException("the restored primary is on timeline " + timeline + ", not above the"
                    + " archived " + archivedTimeline + ": running instances fence it; restart them with"
                    + " their postgres-fence.properties removed");
        }
        pg.cloneStandby(b, a);
        pg.enableSync(a, b);
        restoreRedis(target);
        return timeline;
    }

    /**
     * A restore target as an instant: ISO-8601 ({@code 2026-11-30T13:50:00Z}) or PostgreSQL's form
     * ({@code 2026-11-30 13:50:00+00}); without a zone, UTC.
     *
     * @throws IllegalArgumentException when it is neither
     */
    public static Instant parseTarget(String text) {
        try {
            return OffsetDateTime.parse(text.trim(), TARGET).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a time: '" + text + "' (expected e.g. 2026-11-30 13:50:00+00"
                    + " or 2026-11-30T13:50:00Z)");
        }
    }

    private static void awaitPromoted(PostgresNodes pg, Server s) {
        long deadline = System.nanoTime() + PROMOTION_TIMEOUT.toNanos();
        while (true) {
            PostgresNodes.Status st = pg.status(s, Duration.ofSeconds(5));
            if (st != null && !st.inRecovery()) {
                return;
            }
            if (!s.isUp() || System.nanoTime() > deadline) {
                throw new IllegalStateException(s.name + " did not finish recovery" + (s.isUp() ? " in "
                        + PROMOTION_TIMEOUT : " (it stopped)") + ":\n" + Processes.tail(s.log, 30));
            }
            Processes.sleep(200);
        }
    }

    /** Redis servers that are down start again from their files (empty when their data was lost); then
     *  only the pending stream stays, from Redis when it still has it, else from the backup's copy. */
    private void restoreRedis(Instant target) {
        RedisNodes redis = topology.redisNodes();
        for (Server s : topology.byKind(Topology.Kind.REDIS)) {
            if (!s.isUp()) {
                redis.restart(s);
            }
        }
        Server master = awaitRedisMaster(redis);
        redis.call(master, SQL_TIMEOUT, "EVAL", KEEP_ONLY_PENDING, "0", PENDING_STREAM);
        if (Resp.text(redis.call(master, SQL_TIMEOUT, "EXISTS", PENDING_STREAM)).equals("0")) {
            Path saved = savedStream(target);
            if (saved != null) {
                redis.call(master, SQL_TIMEOUT, "EVAL", RESTORE_HEX, "1", PENDING_STREAM, readDump(saved));
            }
        }
    }

    /** The node the sentinels name that also says it is a master (a restarted one can take a moment). */
    private Server awaitRedisMaster(RedisNodes redis) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                Server m = topology.server(topology.redisMaster().name());
                if (Resp.text(redis.call(m, Duration.ofSeconds(2), "INFO", "replication")).contains("role:master")) {
                    return m;
                }
            } catch (RuntimeException notYet) {
                // sentinels still deciding, or the node still loading
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no Redis master 60 s into the restore:\n" + topology.describe());
            }
            Processes.sleep(250);
        }
    }

    private Path streamDir() {
        return pgBackRest.repo().resolveSibling("redis");
    }

    /** DUMP of the pending stream (entries and consumer group), named by the backup's time. */
    private void savePendingStream(String label) {
        try {
            Server master = topology.server(topology.redisMaster().name());
            Object hex = topology.redisNodes().call(master, SQL_TIMEOUT, "EVAL", DUMP_HEX, "1", PENDING_STREAM);
            if (hex instanceof String s && !s.isEmpty()) {
                Files.createDirectories(streamDir());
                Files.writeString(streamDir().resolve(System.currentTimeMillis() + "-" + label + ".dump"), s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest saved stream no later than {@code target} (any, when null). */
    private Path savedStream(Instant target) {
        if (!Files.isDirectory(streamDir())) {
            return null;
        }
        try (Stream<Path> files = Files.list(streamDir())) {
            return files.filter(f -> target == null || millis(f) <= target.toEpochMilli())
                    .max(Comparator.comparingLong(Backups::millis)).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long millis(Path dump) {
        return Long.parseLong(dump.getFileName().toString().split("-", 2)[0]);
    }

    private static String readDump(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
