package io.captier.mode;

import io.captier.config.CaptierConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;

/** Picks the contract of this deployment's mode (APP_MODE / QUARKUS_PROFILE). */
public class Contracts {

    @Produces
    @ApplicationScoped
    @Named("active")
    KvContract active(CaptierConfig config, Instance<ConsistentContract> consistent, Instance<AvailableContract> available) {
        return switch (config.mode()) {
            case CONSISTENT -> consistent.get();
            case AVAILABLE -> available.get();
        };
    }
}
