package io.captier.cluster.app;

import io.captier.cluster.container.ContainerTopology;
import io.captier.cluster.process.ProcessTopology;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;

/**
 * Which topology the tests run on: server processes from Debian's packages (the default,
 * and all this machine can do), or the same topology on Testcontainers where a Docker
 * engine exists: {@code ./mvnw verify -Dcaptier.topology=containers}.
 */
public final class Topologies {

    private Topologies() {
    }

    /** {@link #start(TopologyOptions)} with {@link TopologyOptions#defaults()}. */
    public static Topology start() {
        return start(TopologyOptions.defaults());
    }

    /**
     * Starts the selected topology with {@code options} and returns it once it is up.
     *
     * @throws IllegalArgumentException when the selected topology cannot honour one of the options
     *         (the container topology: backups, a harness network); the message names it
     */
    public static Topology start(TopologyOptions options) {
        if ("containers".equals(System.getProperty("captier.topology"))) {
            return ContainerTopology.start(options);
        }
        return ProcessTopology.start(options);
    }
}
