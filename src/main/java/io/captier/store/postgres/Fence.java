package io.captier.store.postgres;

import io.captier.observability.LogEvent;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Split-brain fencing: the highest WAL timeline this instance has ever seen, per
 * PostgreSQL cluster (system identifier). A promotion starts a higher timeline, so a
 * primary on a lower one is an old primary that came back: it must never take a
 * consistent write again. The fence is kept in a file so a restart remembers it.
 */
final class Fence {

    private static final Logger LOG = Logger.getLogger(Fence.class);

    private final Path file;
    private final Map<Long, Integer> highest = new ConcurrentHashMap<>();

    Fence(Path file) {
        this.file = file;
        load();
    }

    /**
     * Record a timeline seen on a node of cluster {@code systemId}, in memory: it fences at once.
     * The caller persists a raised fence with {@link #save} once it has told everyone (the file
     * write is no reason to go on writing to the old primary meanwhile).
     *
     * @return whether the fence rose
     */
    boolean observe(long systemId, int timeline) {
        Integer before = highest.get(systemId);
        if (before == null || timeline > before) {
            highest.merge(systemId, timeline, Math::max);
            LogEvent.of("POSTGRES_TIMELINE").with(LogEvent.CLUSTER, systemId).with(LogEvent.TIMELINE, timeline)
                    .with(LogEvent.PREVIOUS_TIMELINE, before).info(LOG, "a higher timeline: older primaries are fenced");
            return true;
        }
        return false;
    }

    /** True when a primary on this timeline is an old one that a promotion replaced. */
    boolean fences(long systemId, int timeline) {
        return timeline < highest.getOrDefault(systemId, 0);
    }

    int highest(long systemId) {
        return highest.getOrDefault(systemId, 0);
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        Properties props = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fence file " + file, e);
        }
        props.forEach((k, v) -> highest.put(Long.parseLong((String) k), Integer.parseInt((String) v)));
        LogEvent.of("POSTGRES_FENCE").with(LogEvent.FILE, file).info(LOG, "loaded " + highest);
    }

    /** Write the fence to its file, so that a restart remembers it (a failure is logged: memory still holds it). */
    synchronized void save() {
        Properties props = new Properties();
        highest.forEach((k, v) -> props.setProperty(Long.toString(k), Integer.toString(v)));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                props.store(out, "highest PostgreSQL timeline seen, per cluster system identifier");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // The in-memory fence still holds; only a restart would forget it.
            LogEvent.of("POSTGRES_FENCE").with(LogEvent.FILE, file).error(LOG, "cannot be persisted", e);
        }
    }
}
