package io.captier.cluster.container;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Info;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.ExecConfig;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * Docker plumbing shared by {@link ContainerTopology}'s PostgreSQL and Redis helpers: host-network
 * containers, client commands run inside a container with a deadline, polling, free ports.
 */
final class ContainerSupport {

    /** Label naming the topology node a container plays, to find it with {@code docker ps}. */
    static final String NODE_LABEL = "io.captier.node";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private ContainerSupport() {
    }

    /**
     * A container sharing the host's network stack, so its server binds 127.0.0.1:port on the host
     * itself. Testcontainers' own wait is disabled: the topology checks readiness with real client
     * commands, which also works for servers that only start after an init phase.
     */
    static GenericContainer<?> hostContainer(String image, String nodeName) {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image));
        container.withNetworkMode("host");
        container.withLabel(NODE_LABEL, nodeName);
        container.waitingFor(new NoWait());
        return container;
    }

    /**
     * Fails fast, with the reason, on an engine whose "host" network is not the test host's: there
     * the servers would come up but nothing on the host could reach them.
     */
    static void requireHostNetworking() {
        DockerClientFactory factory = DockerClientFactory.instance();
        Info info = factory.getInfo();
        String os = String.valueOf(info.getOperatingSystem());
        List<String> security = info.getSecurityOptions() == null ? List.of() : info.getSecurityOptions();
        String host = factory.dockerHostIpAddress();
        String problem = !"linux".equalsIgnoreCase(info.getOsType()) ? "it runs " + info.getOsType() + " containers"
                : os.contains("Docker Desktop") ? "it is Docker Desktop, whose containers run in a VM"
                : security.stream().anyMatch(s -> s.contains("rootless")) ? "it is rootless Docker, whose host network is its own namespace"
                : !(host.equals("localhost") || host.equals("127.0.0.1")) ? "it runs on another host (" + host + ")"
                : null;
        if (problem != null) {
            throw new IllegalStateException("the container topology needs host networking on a native Linux Docker"
                    + " engine on this machine, but " + problem + " (" + os + ")");
        }
    }

    /** Runs a command inside a running container; throws if Docker cannot run it at all. */
    static ExecResult exec(GenericContainer<?> container, Map<String, String> env, String... command) {
        ExecConfig config = ExecConfig.builder().command(command).envVars(env).build();
        try {
            return container.execInContainer(config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + Arrays.toString(command), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A command prefixed with coreutils' timeout (present in the Debian-based official images). */
    static String[] withDeadline(int seconds, List<String> command) {
        List<String> full = new ArrayList<>(List.of("timeout", String.valueOf(seconds)));
        full.addAll(command);
        return full.toArray(String[]::new);
    }

    static String describe(ExecResult result) {
        String text = (result.getStdout() + result.getStderr()).strip();
        return "exit " + result.getExitCode() + (result.getExitCode() == 124 ? " (timed out)" : "") + ": " + text;
    }

    static InspectContainerResponse.ContainerState state(GenericContainer<?> container) {
        return container.getDockerClient().inspectContainerCmd(container.getContainerId()).exec().getState();
    }

    static boolean isRunning(GenericContainer<?> container) {
        try {
            return Boolean.TRUE.equals(state(container).getRunning());
        } catch (RuntimeException e) {
            return false;
        }
    }

    static boolean isPaused(GenericContainer<?> container) {
        try {
            return Boolean.TRUE.equals(state(container).getPaused());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Removes a container and its anonymous data volume; tolerates one that is already gone or paused. */
    static void discard(GenericContainer<?> container) {
        if (container.getContainerId() == null) {
            return;
        }
        if (isPaused(container)) {
            try {
                container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            } catch (RuntimeException e) {
                // removal below is forced anyway
            }
        }
        container.stop();
    }

    /** The last {@code lines} lines of a container's stdout and stderr, for failure messages. */
    static String logTail(GenericContainer<?> container, int lines) {
        if (container == null || container.getContainerId() == null) {
            return "(no container)";
        }
        try {
            List<String> all = container.getLogs().lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (RuntimeException e) {
            return "(logs unavailable: " + e.getMessage() + ")";
        }
    }

    @FunctionalInterface
    interface Check {
        boolean ok() throws Exception;
    }

    /** Thrown inside a {@link #await} check to stop waiting at once: waiting longer cannot help. */
    static final class GaveUp extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        GaveUp(String message) {
            super(message);
        }
    }

    /** Gives up a wait when the node's container has exited, say because its server failed to start. */
    static void requireRunning(GenericContainer<?> container, String nodeName) {
        if (!isRunning(container)) {
            throw new GaveUp(nodeName + "'s container is not running");
        }
    }

    /**
     * Polls until {@code check} holds. Exceptions count as "not yet": servers refuse connections
     * while they start, and the last one is reported if time runs out. {@link GaveUp} ends the wait.
     */
    static void await(String what, Duration timeout, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (check.ok()) {
                    return;
                }
                last = null;
            } catch (GaveUp e) {
                throw new IllegalStateException("gave up waiting for " + what + ": " + e.getMessage(), e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + (last == null ? "" : "; last error: " + last), last);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    /**
     * Distinct free loopback ports. All sockets stay open until every port is chosen so the same
     * port is not handed out twice; another process may still take one before a server binds it.
     */
    static List<Integer> freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        Set<Integer> ports = new LinkedHashSet<>();
        try {
            while (ports.size() < count) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports.add(socket.getLocalPort());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // nothing to do: the port is free again either way
                }
            }
        }
        return List.copyOf(ports);
    }

    /** Alphanumeric, so it needs no quoting in shell scripts, conninfo strings or config files. */
    static String randomPassword() {
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return password.toString();
    }

    /** Testcontainers' default waits on exposed ports, which host networking does not have. */
    private static final class NoWait extends AbstractWaitStrategy {
        @Override
        protected void waitUntilReady() {
            // readiness is checked by the topology itself
        }
    }
}
