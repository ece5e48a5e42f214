package io.captier.drill.run;

import io.captier.cluster.os.SmallDisk;
import io.captier.drill.check.AvailabilityChecker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The available instances' hint logs, each on a small disk of its own ({@link SmallDisk}, an
 * 8 MB loop-mounted ext4; needs root, as the drill's network does), so that the nemesis can
 * take one away: full (a filler file up to ENOSPC) or read-only (the log file made immutable,
 * which fails writes through the descriptor the instance holds open). The instance must then
 * answer a write it cannot keep with a 503, never a 202, and lose nothing it acknowledged
 * (BufferedWritesIT proves both beside the drill; docs/decisions.md, Buffers).
 */
final class DrillDisks implements AutoCloseable {

    static final String FULL = AvailabilityChecker.DISK_FULL;
    static final String READ_ONLY = AvailabilityChecker.DISK_READ_ONLY;
    private static final int MEGABYTES = 8;

    private final Map<String, SmallDisk> disks = new LinkedHashMap<>();

    /**
     * A new disk for instance {@code name}.
     *
     * @return the environment that puts its hint log there (HINT_LOG_DIR)
     * @throws IllegalStateException when not root, or mounting fails ({@link SmallDisk#mount})
     */
    Map<String, String> envFor(String name) {
        SmallDisk disk = SmallDisk.mount(MEGABYTES);
        disks.put(name, disk);
        return Map.of("HINT_LOG_DIR", hintDir(disk).toString());
    }

    boolean has(String instance) {
        return disks.containsKey(instance);
    }

    /**
     * Which fault to do: read-only needs the log file, which the instance creates at its start;
     * without it the disk is filled instead.
     *
     * @param readOnly true for a read-only hint log, false for a full disk
     * @return {@link #READ_ONLY} or {@link #FULL}
     */
    String faultFor(String instance, boolean readOnly) {
        return readOnly && Files.exists(log(disks.get(instance))) ? READ_ONLY : FULL;
    }

    /**
     * Takes the instance's disk away for {@code hold}, then gives it back, also when interrupted.
     *
     * @param fault {@link #faultFor}'s answer
     */
    void takeAway(String instance, String fault, Duration hold) {
        SmallDisk disk = disks.get(instance);
        boolean readOnly = READ_ONLY.equals(fault);
        try {
            if (readOnly) {
                disk.freeze(log(disk));
            } else {
                disk.fill();
            }
            Nemesis.sleep(hold);
        } finally { // also after a fill that failed half-way: free() and thaw undo whatever was done
            if (readOnly) {
                disk.thaw(log(disk));
            } else {
                disk.free();
            }
        }
    }

    /** Unmounts every disk; only once no instance holds its hint log open (umount would refuse). */
    @Override
    public void close() {
        disks.values().forEach(SmallDisk::close);
    }

    private static Path hintDir(SmallDisk disk) {
        return disk.root().resolve("hints");
    }

    private static Path log(SmallDisk disk) {
        return hintDir(disk).resolve("hints.log"); // HintLog.LOG_FILE
    }
}
