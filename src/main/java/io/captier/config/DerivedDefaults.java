package io.captier.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Defaults that depend on other settings, which application.properties cannot express:
 * <ul>
 *   <li>the HTTP port is 5001 for the consistent profile and 5002 for the available one
 *       unless HTTP_PORT says otherwise (the mode comes from APP_MODE or QUARKUS_PROFILE);</li>
 *   <li>forwarding headers (X-Forwarded-For) are believed only when TRUSTED_PROXIES names
 *       the proxies that may send them: Quarkus, told to forward with no trusted proxy
 *       listed, would believe them from anyone.</li>
 * </ul>
 *
 * <p>Lowest ordinal, so any real setting wins.
 */
public class DerivedDefaults implements ConfigSource {

    static final String PORT_PROPERTY = "captier-derived.default-port";
    static final String FORWARDING_PROPERTY = "captier-derived.proxy-address-forwarding";

    private final Map<String, String> values;

    public DerivedDefaults() {
        this(System.getenv());
    }

    DerivedDefaults(Map<String, String> env) {
        String mode = env.getOrDefault("APP_MODE", env.getOrDefault("QUARKUS_PROFILE", "consistent"));
        boolean available = "available".equals(mode.trim().toLowerCase(Locale.ROOT));
        boolean proxies = !env.getOrDefault("TRUSTED_PROXIES", "").isBlank();
        this.values = Map.of(PORT_PROPERTY, available ? "5002" : "5001",
                FORWARDING_PROPERTY, Boolean.toString(proxies));
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
        return "captier-derived-defaults";
    }

    @Override
    public int getOrdinal() {
        return 1;
    }
}
