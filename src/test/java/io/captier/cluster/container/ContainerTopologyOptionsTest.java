package io.captier.cluster.container;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.topology.TopologyOptions;
import org.junit.jupiter.api.Test;

/** Options the container topology cannot honour are refused by name, before Docker is even asked. */
class ContainerTopologyOptionsTest {

    @Test
    void backupsAreRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ContainerTopology.start(TopologyOptions.defaults().withBackups(60)));
        assertTrue(refused.getMessage().contains("withBackups"), refused.getMessage());
    }

    @Test
    void aHarnessNetworkIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ContainerTopology.start(TopologyOptions.defaults().withNetwork()));
        assertTrue(refused.getMessage().contains("withNetwork"), refused.getMessage());
    }
}
