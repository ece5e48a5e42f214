package io.captier.cluster.app;

import io.captier.cluster.network.Host;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.Processes;
import io.captier.cluster.topology.Topology;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment of a captier instance, built here in layers; a later layer wins over an earlier one:
 * <ol>
 *   <li>the instance's own values ({@link #forInstance}, applied by AppInstance): APP_MODE, HTTP_PORT
 *       (a free port), INSTANCE_ID, HINT_LOG_DIR and SHUTDOWN_DELAY=0s. They come first so that
 *       anything below may set them (scripts/up its ports, a test its hint directory);</li>
 *   <li>the stores: the topology's {@link Topology#storeEnv()};</li>
 *   <li>the deployment: one SECRET_KEY per {@code AppEnv}, which every instance started from it
 *       shares, and API_KEYS holding the run's {@link Credentials};</li>
 *   <li>a preset: {@link #forTests()}, {@link #forQuarkusTest()} or {@link #forDevStack(String)};</li>
 *   <li>the caller's overlays, put on the preset's map: per-instance settings, {@link SkewedClock#env()}.</li>
 * </ol>
 * An instance in a network host of its own listens on that host's address whatever the layers say
 * (HTTP_HOST).
 */
public final class AppEnv {

    /** NETWORK_TIMEOUT_SEC of every test preset; the fail-fast assertions are measured against it. */
    public static final int NETWORK_TIMEOUT_SEC = 2;

    /** Stores and deployment secrets (layers 2 and 3), unmodifiable. */
    private final Map<String, String> deployment;

    private AppEnv(Map<String, String> deployment) {
        this.deployment = deployment;
    }

    /**
     * One deployment on {@code topology}: its stores, a SECRET_KEY made now, and the run's API_KEYS.
     * Keep the result for as long as its instances run: another {@code of} makes another secret.
     */
    public static AppEnv of(Topology topology) {
        Map<String, String> env = new LinkedHashMap<>(topology.storeEnv());
        // the deployment's session-signing secret: every instance of one deployment must accept the others' sessions
        env.put("SECRET_KEY", Processes.randomSecret() + Processes.randomSecret());
        env.put("API_KEYS", Credentials.apiKeys());
        return new AppEnv(Map.copyOf(env));
    }

    /**
     * What the integration tests' instances run with (Stack): the deployment plus
     * {@link #NETWORK_TIMEOUT_SEC}, 127.0.0.1, no tracing, plain-text logs and an authentication
     * throttle that never trips.
     *
     * @return a new map, for the caller's overlays
     */
    public Map<String, String> forTests() {
        Map<String, String> env = new LinkedHashMap<>(deployment);
        env.put("NETWORK_TIMEOUT_SEC", Integer.toString(NETWORK_TIMEOUT_SEC));
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("OTEL_SDK_DISABLED", "true");
        env.put("LOG_JSON", "false");
        // Every test client is 127.0.0.1, and hostile-input tests fail to authenticate by the
        // hundred: the throttle would lock the other tests out. AuthorizationIT tests it at 10.
        env.put("AUTH_FAILURES_PER_MINUTE", "1000000");
        return env;
    }

    /**
     * What a {@code @QuarkusTest}'s app runs with (TopologyResource), and AppInstanceIT's bare
     * instance: the deployment plus {@link #NETWORK_TIMEOUT_SEC}, the service's defaults otherwise.
     *
     * @return a new map, for the caller's overlays
     */
    public Map<String, String> forQuarkusTest() {
        Map<String, String> env = new LinkedHashMap<>(deployment);
        env.put("NETWORK_TIMEOUT_SEC", Integer.toString(NETWORK_TIMEOUT_SEC));
        return env;
    }

    /**
     * What scripts/up's instances run with: the deployment, 127.0.0.1, X-Forwarded-For believed
     * only from {@code trustedProxies}, and OTEL_SDK_DISABLED (default true), LOG_JSON (default
     * false) and SHUTDOWN_DELAY (default 1s) from scripts/up's own environment when set there.
     * The service's NETWORK_TIMEOUT_SEC default stays: this is the stack a person tries out.
     *
     * @param trustedProxies TRUSTED_PROXIES: the address NGINX connects from
     * @return a new map, for the caller's overlays (HTTP_PORT, a clock)
     */
    public Map<String, String> forDevStack(String trustedProxies) {
        Map<String, String> env = new LinkedHashMap<>(deployment);
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("TRUSTED_PROXIES", trustedProxies);
        env.put("OTEL_SDK_DISABLED", System.getenv().getOrDefault("OTEL_SDK_DISABLED", "true"));
        env.put("LOG_JSON", System.getenv().getOrDefault("LOG_JSON", "false"));
        // NGINX's pool is changed before an instance is stopped (RollingRestart); a second of
        // readiness DOWN is enough for anyone watching /health/ready by hand.
        env.put("SHUTDOWN_DELAY", System.getenv().getOrDefault("SHUTDOWN_DELAY", "1s"));
        return env;
    }

    /**
     * Layer 1 under {@code env}: the environment instance {@code name} is launched with.
     *
     * @param hintDir HINT_LOG_DIR unless {@code env} names another
     * @param env     the layers above (a preset with overlays); wins over the instance's own values
     * @param host    the network host the instance runs in, whose address HTTP_HOST then is; or null
     * @return an unmodifiable map; HTTP_PORT is always set
     */
    static Map<String, String> forInstance(String name, String mode, Path hintDir, Map<String, String> env, Host host) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("APP_MODE", mode);
        e.put("HTTP_PORT", Integer.toString(FreePorts.next()));
        e.put("INSTANCE_ID", name);
        e.put("HINT_LOG_DIR", hintDir.toString());
        // No endpoints to wait for here: whoever fronts a local instance with NGINX takes it out of
        // the pool before the SIGTERM (RollingRestart). Callers that want the delay pass one.
        e.put("SHUTDOWN_DELAY", "0s");
        e.putAll(env);
        if (host != null) {
            e.put("HTTP_HOST", host.address());
        }
        return Map.copyOf(e);
    }
}
