package io.captier.cluster.app;

import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real topology plus captier instances started as processes from the packaged jar,
 * the way the integration tests use them. Closing it stops everything.
 */
public final class Stack implements AutoCloseable {

    /** NETWORK_TIMEOUT_SEC the instances run with; the fail-fast assertions are measured against it. */
    public static final int NETWORK_TIMEOUT_SEC = 2;

    /** How long a refusal may take: the network timeout plus room for a loaded 2-core machine. */
    public static final long FAIL_FAST_MS = NETWORK_TIMEOUT_SEC * 1000L + 1500;

    public final Topology topology;
    private final List<AppInstance> instances = new ArrayList<>();

    public Stack(Topology topology) {
        this.topology = topology;
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

    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>(topology.appEnv());
        env.put("NETWORK_TIMEOUT_SEC", Integer.toString(NETWORK_TIMEOUT_SEC));
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("OTEL_SDK_DISABLED", "true");
        env.put("LOG_JSON", "false");
        // Every test client is 127.0.0.1, and hostile-input tests fail to authenticate by the
        // hundred: the throttle would lock the other tests out. AuthorizationIT tests it at 10.
        env.put("AUTH_FAILURES_PER_MINUTE", "1000000");
        return env;
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
