package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A write or delete as the service acknowledged it (README "API").
 *
 * @param key            the key
 * @param version        the version the write was given (a hybrid logical clock value; a
 *                       delete's is its tombstone's)
 * @param origin         the instance that issued the version (the last-writer-wins tie-break)
 * @param mode           the profile that answered: {@code consistent} or {@code available}
 * @param durability     {@code primary} (committed on the PostgreSQL primary, HTTP 200),
 *                       {@code replicated-buffer} (on the Redis pending stream, 202) or
 *                       {@code local} (in the instance's fsync'd hint log, 202)
 * @param status         the HTTP status: 200 committed, 202 buffered
 * @param replayed       true when this is the first answer to an earlier attempt with the same
 *                       {@code Idempotency-Key} ({@code Idempotent-Replayed: true}): the write
 *                       was applied once, by that attempt
 * @param idempotencyKey the {@code Idempotency-Key} the write was sent with
 * @param json           the answer's JSON as sent
 */
public record WriteResult(String key, long version, String origin, String mode, String durability, int status,
                          boolean replayed, String idempotencyKey, JsonNode json) {

    /** @return true when the write was buffered (202) rather than committed on the primary */
    public boolean buffered() {
        return status == 202;
    }
}
