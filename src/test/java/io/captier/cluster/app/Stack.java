package io.captier.cluster.app;

import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real topology plus captier instances started as processes from the packaged jar,
 * the way the integration tests use them. Closing it stops everything.
 */
public final class Stack implements AutoCloseable {

    /** How long a refusal may take: the network timeout plus room for a loaded 2-core machine. */
    public static final long FAIL_FAST_MS = AppEnv.NETWORK_TIMEOUT_SEC * 1000L + 1500;

    public final Topology topology;
    /** One deployment: every instance of the stack shares its SECRET_KEY. */
    private final AppEnv appEnv;
    private final List<AppInstance> instances = new ArrayList<>();

    public Stack(Topology topology) {
        this.topology = topology;
        this.appEnv = AppEnv.of(topology);
    }

    public static Stack start() {
        return new Stack(Topologies.start());
    }

    /**
     * A topology with every node in a network namespace of its own
     * ({@link TopologyOptions#withNetwork()}); each instance started here gets a host of its own
     * on the same bridge, named as the instance, so that partitions can cut it off.
     *
     * @throws IllegalArgumentException when the selected topology has no harness network (containers)
     */
    public static Stack startOnNetwork() {
        return new Stack(Topologies.start(TopologyOptions.defaults().withNetwork()));
    }

    /** The environment of the stack's instances before their own settings ({@link AppEnv#forTests()});
     *  a new map each time, the same SECRET_KEY every time. */
    public Map<String, String> env() {
        return appEnv.forTests();
    }

    /** Start an instance and wait until it is ready to keep its contract. */
    public AppInstance instance(String name, String mode) {
        return instance(name, mode, Map.of());
    }

    /** The same, with settings of its own on top of {@link #env()} (MAX_VALUE_BYTES, ...). */
    public AppInstance instance(String name, String mode, Map<String, String> settings) {
        Map<String, String> env = env();
        env.putAll(settings);
        AppInstance app = topology.network().map(n -> AppInstance.start(name, mode, env, n.addHost(name)))
                .orElseGet(() -> AppInstance.start(name, mode, env));
        instances.add(app);
        awaitReady(app);
        return app;
    }

    public static void awaitReady(AppInstance app) {
        Client client = new Client(app.baseUrl());
        Awaitility.await(app.name() + " ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.get("/health/ready").status() == 200);
    }

    public void register(LogsOnFailure logs) {
        logs.add("topology", topology::describe);
        for (AppInstance app : instances) {
            logs.add(app.name(), () -> app.logTail(60));
        }
    }

    @Override
    public void close() {
        instances.forEach(AppInstance::close);
        topology.close();
    }
}
