package io.captier.security;

import io.captier.config.CaptierConfig;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Optional;

/**
 * Turns a bearer token into the identity of the configured API key it matches
 * ({@link ApiKeys#find}: one SHA-256, compared in constant time with every key): the
 * principal is the key's name (audit {@code by=}, session binding), the roles are its
 * roles' {@link Role#wireName() names}. No match: a failure ({@code unknown-key}, {@link AuthFailures}).
 * Nothing here blocks, so it runs on the calling thread.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

    private final ApiKeys keys;

    @Inject
    public ApiKeyIdentityProvider(CaptierConfig config) {
        this(ApiKeys.parse(config.apiKeys().orElse("")));
    }

    ApiKeyIdentityProvider(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public Class<ApiKeyRequest> getRequestType() {
        return ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
        Optional<ApiKey> key = keys.find(request.token());
        if (key.isEmpty()) {
            return Uni.createFrom().failure(AuthFailures.refused("unknown-key"));
        }
        QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(key.get().name()));
        key.get().roles().forEach(role -> identity.addRole(role.wireName()));
        return Uni.createFrom().item(identity.build());
    }
}
