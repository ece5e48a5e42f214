package io.captier.client;

import java.net.http.HttpHeaders;

/**
 * A successful (2xx) answer to a call.
 *
 * @param status   its status
 * @param headers  its headers
 * @param body     its body
 * @param attempts how many requests the call took
 */
record Answer(int status, HttpHeaders headers, byte[] body, int attempts) {
}
