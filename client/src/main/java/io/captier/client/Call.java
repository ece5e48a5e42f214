package io.captier.client;

import java.util.Map;

/**
 * One logical call: what every attempt of it sends.
 *
 * @param method         the HTTP method
 * @param path           the path from the base URI on, percent-encoded, starting with {@code /}
 * @param headers        request headers other than authorization and session
 * @param body           the request body, or null
 * @param idempotencyKey the write's Idempotency-Key; null for reads (which change nothing)
 * @param authenticated  whether to send the API key (not to the open health routes)
 * @param carriesSession whether to send the session token (reads and writes, README "API")
 */
record Call(String method, String path, Map<String, String> headers, byte[] body, String idempotencyKey,
            boolean authenticated, boolean carriesSession) {

    boolean write() {
        return idempotencyKey != null;
    }
}
