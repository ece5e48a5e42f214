package io.captier.cluster.app;

import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Runs the topology ({@link Topologies}) for a {@code @QuarkusTest}: the app under test gets the
 * {@link AppEnv#forQuarkusTest()} environment on it (DATABASE_URL, ... which its config reads through
 * {@code ${DATABASE_URL}}; SECRET_KEY, API_KEYS, NETWORK_TIMEOUT_SEC). Tests reach the topology
 * through {@link #current()}.
 *
 * <p>Init args (from {@code @QuarkusTestResource(initArgs = ...)}): {@code synchronousReplication}
 * (true/false), {@code sentinelDownAfterMs}, {@code sentinelFailoverTimeoutMs}; they reach whichever
 * topology {@link Topologies} picks, which honours them.
 */
public class TopologyResource implements QuarkusTestResourceLifecycleManager {

    private static volatile Topology current;

    private TopologyOptions options = TopologyOptions.defaults();
    private Topology topology;

    @Override
    public void init(Map<String, String> initArgs) {
        TopologyOptions o = TopologyOptions.defaults();
        if (initArgs.containsKey("synchronousReplication")) {
            o = o.withSynchronousReplication(Boolean.parseBoolean(initArgs.get("synchronousReplication")));
        }
        if (initArgs.containsKey("sentinelDownAfterMs")) {
            o = o.withSentinelDownAfterMs(Integer.parseInt(initArgs.get("sentinelDownAfterMs")));
        }
        if (initArgs.containsKey("sentinelFailoverTimeoutMs")) {
            o = o.withSentinelFailoverTimeoutMs(Integer.parseInt(initArgs.get("sentinelFailoverTimeoutMs")));
        }
        options = o;
    }

    @Override
    public Map<String, String> start() {
        topology = Topologies.start(options);
        current = topology;
        return AppEnv.of(topology).forQuarkusTest();
    }

    @Override
    public void stop() {
        if (topology != null) {
            if (current == topology) {
                current = null;
            }
            topology.close();
            topology = null;
        }
    }

    /** The topology of the running test resource; throws when none runs. */
    public static Topology current() {
        Topology t = current;
        if (t == null) {
            throw new IllegalStateException("no TopologyResource is running (is the test annotated with "
                    + "@QuarkusTestResource(TopologyResource.class)?)");
        }
        return t;
    }
}
