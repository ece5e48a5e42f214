package io.captier.cluster.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.captier.cluster.topology.Topology;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The layers of an instance's environment: which variables each adds, and which wins. */
class AppEnvTest {

    private static final Map<String, String> STORES = Map.of("DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/captier",
            "REDIS_PASSWORD", "rpw");

    /** A topology that knows nothing but its stores' environment. */
    private static Topology stores() {
        return (Topology) Proxy.newProxyInstance(Topology.class.getClassLoader(), new Class<?>[] {Topology.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("storeEnv")) {
                        return STORES;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void oneDeploymentHasOneSecretKeyAndTheRunsApiKeys() {
        AppEnv deployment = AppEnv.of(stores());
        Map<String, String> env = deployment.forTests();
        assertEquals(deployment.forTests().get("SECRET_KEY"), env.get("SECRET_KEY"));
        assertEquals(64, env.get("SECRET_KEY").length());
        assertNotEquals(AppEnv.of(stores()).forTests().get("SECRET_KEY"), env.get("SECRET_KEY"));
        assertEquals(Credentials.apiKeys(), env.get("API_KEYS"));
        assertEquals("rpw", env.get("REDIS_PASSWORD"));
    }

    @Test
    void presetsAddTheirOwnVariablesOnly() {
        AppEnv deployment = AppEnv.of(stores());
        Set<String> base = Set.of("DATABASE_URL", "REDIS_PASSWORD", "SECRET_KEY", "API_KEYS");
        Map<String, String> quarkus = deployment.forQuarkusTest();
        assertEquals(union(base, "NETWORK_TIMEOUT_SEC"), quarkus.keySet());
        assertEquals("2", quarkus.get("NETWORK_TIMEOUT_SEC"));
        Map<String, String> tests = deployment.forTests();
        assertEquals(union(base, "NETWORK_TIMEOUT_SEC", "HTTP_HOST", "OTEL_SDK_DISABLED", "LOG_JSON",
                "AUTH_FAILURES_PER_MINUTE"), tests.keySet());
        assertEquals(union(base, "HTTP_HOST", "TRUSTED_PROXIES", "OTEL_SDK_DISABLED", "LOG_JSON", "SHUTDOWN_DELAY"),
                deployment.forDevStack("127.0.0.2").keySet());
    }

    @Test
    void theInstancesOwnValuesLoseToEveryLayerAbove() {
        Map<String, String> given = new HashMap<>(AppEnv.of(stores()).forTests());
        given.put("SHUTDOWN_DELAY", "1s");
        Map<String, String> env = AppEnv.forInstance("ap-1", "available", Path.of("/tmp/hints"), given, null);
        assertEquals("available", env.get("APP_MODE"));
        assertEquals("ap-1", env.get("INSTANCE_ID"));
        assertEquals("/tmp/hints", env.get("HINT_LOG_DIR"));
        assertEquals("1s", env.get("SHUTDOWN_DELAY"));
        assertEquals("127.0.0.1", env.get("HTTP_HOST"));
        given.put("HTTP_PORT", "5002");
        assertEquals("5002", AppEnv.forInstance("ap-1", "available", Path.of("/tmp/hints"), given, null).get("HTTP_PORT"));
        assertEquals("0s", AppEnv.forInstance("ap-1", "available", Path.of("/tmp/hints"), Map.of(), null)
                .get("SHUTDOWN_DELAY"));
    }

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> all = new HashSet<>(base);
        all.addAll(Set.of(more));
        return all;
    }
}
