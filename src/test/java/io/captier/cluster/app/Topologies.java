package io.captier.cluster.app;

import io.captier.cluster.container.ContainerTopology;
import io.captier.cluster.process.ProcessTopology;
import io.captier.cluster.topology.Topology;

/**
 * Which topology the tests run on: server processes from Debian's packages (the default,
 * and all this machine can do), or the same topology on Testcontainers where a Docker
 * engine exists: {@code ./mvnw verify -Dcaptier.topology=containers}.
 */
public final class Topologies {

    private Topologies() {
    }

    public static Topology start() {
        return start(ProcessTopology.Options.defaults());
    }

    /** Options apply to the process topology; the container one has its own fixed settings. */
    public static Topology start(ProcessTopology.Options options) {
        if ("containers".equals(System.getProperty("captier.topology"))) {
            return ContainerTopology.start();
        }
        return ProcessTopology.start(options);
    }
}
