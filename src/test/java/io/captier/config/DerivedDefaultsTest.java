package io.captier.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DerivedDefaultsTest {

    @Test
    void theModeChoosesTheDefaultPort() {
        assertEquals("5001", port(Map.of()));
        assertEquals("5002", port(Map.of("APP_MODE", "available")));
        assertEquals("5002", port(Map.of("QUARKUS_PROFILE", "Available")));
        assertEquals("5001", port(Map.of("APP_MODE", "consistent", "QUARKUS_PROFILE", "available")), "APP_MODE wins");
    }

    @Test
    void forwardingHeadersAreBelievedOnlyFromNamedProxies() {
        assertEquals("false", forwarding(Map.of()));
        assertEquals("false", forwarding(Map.of("TRUSTED_PROXIES", " ")));
        assertEquals("true", forwarding(Map.of("TRUSTED_PROXIES", "10.0.0.0/8")));
    }

    private static String port(Map<String, String> env) {
        return new DerivedDefaults(env).getValue(DerivedDefaults.PORT_PROPERTY);
    }

    private static String forwarding(Map<String, String> env) {
        return new DerivedDefaults(env).getValue(DerivedDefaults.FORWARDING_PROPERTY);
    }
}
