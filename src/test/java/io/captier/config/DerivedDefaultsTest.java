package io.captier.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModeDefaultsTest {

    @Test
    void theModeChoosesTheDefaultPort() {
        assertEquals("5001", new ModeDefaults(Map.of()).getValue(ModeDefaults.PORT_PROPERTY));
        assertEquals("5002", new ModeDefaults(Map.of("APP_MODE", "available")).getValue(ModeDefaults.PORT_PROPERTY));
        assertEquals("5002", new ModeDefaults(Map.of("QUARKUS_PROFILE", "Available")).getValue(ModeDefaults.PORT_PROPERTY));
        assertEquals("5001", new ModeDefaults(Map.of("APP_MODE", "consistent", "QUARKUS_PROFILE", "available"))
                .getValue(ModeDefaults.PORT_PROPERTY), "APP_MODE wins");
    }
}
