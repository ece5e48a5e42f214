package io.captier.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * The bearer token of one request, on its way from {@link ApiKeyMechanism} to
 * {@link ApiKeyIdentityProvider}. Its {@link #toString()} never shows the token.
 */
public final class ApiKeyRequest extends BaseAuthenticationRequest {

    private final String token;

    ApiKeyRequest(String token) {
        this.token = token;
    }

    String token() {
        return token;
    }

    @Override
    public String toString() {
        return "ApiKeyRequest[" + token.length() + " chars]";
    }
}
