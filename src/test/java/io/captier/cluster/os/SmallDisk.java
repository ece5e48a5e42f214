package io.captier.cluster.os;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A small ext4 file system of its own (a loop-mounted image), for disk faults under a
 * directory such as HINT_LOG_DIR: {@link #fill} makes it full, {@link #freeze} makes a file
 * on it refuse writes (chattr +i: a write through an already open descriptor then fails, as
 * on a disk the kernel remounted read-only — a real read-only remount is refused while the
 * file is open for writing). Needs root (mount, chattr); ext4 rather than tmpfs because
 * tmpfs here ignores the immutable flag.
 *
 * <p>Unmounted by {@link #close} and by a JVM shutdown hook; a JVM killed with -9 leaves
 * the loop mount under the temp dir behind ({@code umount} it by hand).
 */
public final class SmallDisk implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path image;
    private final Path mountPoint;
    private final Thread shutdownHook;
    private boolean closed;

    private SmallDisk(Path dir) {
        this.dir = dir;
        this.image = dir.resolve("disk.ext4");
        this.mountPoint = dir.resolve("mnt");
        this.shutdownHook = new Thread(this::close, "captier-small-disk-cleanup");
    }

    /**
     * @param megabytes the file system's size (at least 2: ext4's own metadata takes some)
     * @return a mounted, empty, writable file system under a new temp dir
     * @throws IllegalStateException when not root, or a command fails (its output in the message)
     */
    public static SmallDisk mount(int megabytes) {
        if (!Processes.isRoot()) {
            throw new IllegalStateException("SmallDisk needs root to mount a file system");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("captier-small-disk-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SmallDisk disk = new SmallDisk(dir);
        try {
            Files.createDirectories(disk.mountPoint);
            run("truncate", "-s", megabytes + "M", disk.image.toString());
            run("mkfs.ext4", "-q", "-F", "-m", "0", disk.image.toString());
            run("mount", "-o", "loop", disk.image.toString(), disk.mountPoint.toString());
            Runtime.getRuntime().addShutdownHook(disk.shutdownHook);
            return disk;
        } catch (IOException | RuntimeException e) {
            disk.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** The mounted file system's root. */
    public Path root() {
        return mountPoint;
    }

    /** Writes a filler file until the file system refuses more (ENOSPC). */
    public void fill() {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler())) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // the disk is full, which is the point; "No space left on device" expected
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw new UncheckedIOException(full);
            }
        }
    }

    /** Deletes what {@link #fill} wrote. */
    public void free() {
        try {
            Files.deleteIfExists(filler());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** chattr +i {@code file} (on this disk): writes to it fail, also through open descriptors. */
    public void freeze(Path file) {
        run("chattr", "+i", file.toString());
    }

    /** chattr -i {@code file}: writable again. */
    public void thaw(Path file) {
        run("chattr", "-i", file.toString());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException ignored) {
                // shutting down already, or never registered
            }
        }
        // Whatever a test left frozen must not keep the directory from being removed.
        Processes.run(List.of("chattr", "-R", "-i", mountPoint.toString()), Map.of(), dir, COMMAND_TIMEOUT);
        if (Processes.run(List.of("umount", mountPoint.toString()), Map.of(), dir, COMMAND_TIMEOUT).exit() != 0) {
            // Still held open (a process not yet gone): detached now, released with its last holder.
            Processes.run(List.of("umount", "-l", mountPoint.toString()), Map.of(), dir, COMMAND_TIMEOUT);
        }
        Processes.run(List.of("rm", "-rf", "--one-file-system", dir.toString()), Map.of(), Path.of("/"), COMMAND_TIMEOUT);
    }

    private Path filler() {
        return mountPoint.resolve("filler");
    }

    private static void run(String... command) {
        Processes.Result r = Processes.run(List.of(command), Map.of(), Path.of("/"), COMMAND_TIMEOUT);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + r.exit() + "): "
                    + r.out() + r.err());
        }
    }
}
