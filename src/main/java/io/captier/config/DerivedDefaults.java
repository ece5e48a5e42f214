package io.captier.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Defaults that depend on the mode, which application.properties cannot express: the
 * HTTP port is 5001 for the consistent profile and 5002 for the available one unless
 * HTTP_PORT says otherwise. The mode comes from APP_MODE or QUARKUS_PROFILE.
 *
 * <p>Lowest ordinal, so any real setting wins.
 */
public class ModeDefaults implements ConfigSource {

    static final String PORT_PROPERTY = "captier-mode.default-port";

    private final Map<String, String> values;

    public ModeDefaults() {
        this(System.getenv());
    }

    ModeDefaults(Map<String, String> env) {
        String mode = env.getOrDefault("APP_MODE", env.getOrDefault("QUARKUS_PROFILE", "consistent"));
        boolean available = "available".equals(mode.trim().toLowerCase(Locale.ROOT));
        this.values = Map.of(PORT_PROPERTY, available ? "5002" : "5001");
    }

    @Override
    public Set<String> getPropertyNames() {
        return values.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return values.get(propertyName);
    }

    @Override
    public String getName() {
        return "captier-mode-defaults";
    }

    @Override
    public int getOrdinal() {
        return 1;
    }
}
