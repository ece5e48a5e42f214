package io.captier.cluster.container;

import static io.captier.cluster.container.ContainerSupport.await;

import com.github.dockerjava.api.DockerClient;
import io.captier.cluster.topology.Topology.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.testcontainers.containers.GenericContainer;

/**
 * The container behind each node and the Docker-level operations on it: kill, pause, start again,
 * logs, removal. Knows nothing about PostgreSQL or Redis.
 */
final class ContainerNodes {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /** Replaced for a node when it is re-cloned. */
    private final Map<String, GenericContainer<?>> containers = new ConcurrentHashMap<>();
    /** Where {@link #logFile} writes log snapshots: container logs live in Docker, not in files. */
    private final Path logDir;

    ContainerNodes() {
        try {
            logDir = Files.createTempDirectory("captier-containers-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a node's container, replacing (and removing, data and all) any container it had. */
    void launch(Node node, GenericContainer<?> container) {
        GenericContainer<?> old = containers.put(node.name(), container); // before start: close() removes a failed one
        if (old != null) {
            ContainerSupport.discard(old);
        }
        container.start();
    }

    GenericContainer<?> get(Node node) {
        GenericContainer<?> container = containers.get(node.name());
        if (container == null) {
            throw new IllegalStateException("no container for " + node.name());
        }
        return container;
    }

    private DockerClient docker(GenericContainer<?> container) {
        return container.getDockerClient();
    }

    /** SIGKILL to the container's init, i.e. the server: the kernel then kills all its processes. */
    void kill(Node node) {
        GenericContainer<?> container = get(node);
        if (!ContainerSupport.isRunning(container)) {
            return; // already down: killing it again changes nothing
        }
        boolean paused = ContainerSupport.isPaused(container);
        docker(container).killContainerCmd(container.getContainerId()).withSignal("KILL").exec();
        if (paused) {
            // with the cgroup v1 freezer a frozen process only dies once thawed
            try {
                docker(container).unpauseContainerCmd(container.getContainerId()).exec();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        await(node.name() + " to stop", STOP_TIMEOUT, () -> !ContainerSupport.isRunning(container));
    }

    void pause(Node node) {
        GenericContainer<?> container = get(node);
        docker(container).pauseContainerCmd(container.getContainerId()).exec();
    }

    void resume(Node node) {
        GenericContainer<?> container = get(node);
        docker(container).unpauseContainerCmd(container.getContainerId()).exec();
    }

    /** Starts a stopped container again: same command, same filesystem and data volume. */
    void startAgain(Node node) {
        GenericContainer<?> container = get(node);
        docker(container).startContainerCmd(container.getContainerId()).exec();
    }

    /** Docker's view of the node: its status (running, paused, exited, ...) and host pid. */
    String dockerState(Node node) {
        GenericContainer<?> container = containers.get(node.name());
        if (container == null || container.getContainerId() == null) {
            return "pid=-        absent";
        }
        try {
            var state = ContainerSupport.state(container);
            return String.format("pid=%-8s %s", state.getPidLong(), state.getStatus());
        } catch (RuntimeException e) {
            return "pid=?        unknown (" + e.getMessage() + ")";
        }
    }

    String logTail(Node node, int lines) {
        return ContainerSupport.logTail(containers.get(node.name()), lines);
    }

    /** A snapshot of the node's log (the container's stdout and stderr) written to a file now. */
    Path logFile(Node node) {
        GenericContainer<?> container = containers.get(node.name());
        Path file = logDir.resolve(node.name() + ".log");
        try {
            Files.writeString(file, container == null || container.getContainerId() == null ? "" : container.getLogs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Removes every container with its data volume, and the log snapshots unless asked to keep them. */
    void removeAll(boolean keepLogs) {
        for (GenericContainer<?> container : containers.values()) {
            try {
                ContainerSupport.discard(container);
            } catch (RuntimeException e) {
                // keep going: Testcontainers' reaper removes whatever is left when the JVM exits
                System.err.println("captier topology: removing a container failed: " + e);
            }
        }
        containers.clear();
        if (keepLogs) {
            System.err.println("captier topology: kept log snapshots in " + logDir);
            return;
        }
        try (Stream<Path> paths = Files.walk(logDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // only log snapshots in a temp directory: nothing to do
        }
    }
}
