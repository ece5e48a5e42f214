package io.captier.api;

import java.util.Optional;
import java.util.OptionalLong;

/** Checks of request parts other than the key: value size and the optional headers. */
final class RequestChecks {

    static final int MAX_IDEMPOTENCY_KEY = 255;

    private final int maxValueBytes;

    RequestChecks(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    byte[] value(byte[] body) {
        byte[] value = body == null ? new byte[0] : body;
        if (value.length > maxValueBytes) {
            throw Problem.of(ProblemType.VALUE_TOO_LARGE,
                    "the value is " + value.length + " bytes; at most " + maxValueBytes + " are allowed")
                    .with("max_value_bytes", maxValueBytes).exception();
        }
        return value;
    }

    /**
     * A value sent in the path ({@code POST /write/{key}/{value}}).
     *
     * @param segment the value's path segment as the router captured it, still percent-encoded
     * @return the decoded text
     * @throws Problem.ProblemException {@code bad-request} when it is not valid percent-encoded UTF-8
     */
    String pathValue(String segment) {
        return PathSegments.decode(segment).orElseThrow(() -> Problem.of(ProblemType.BAD_REQUEST,
                "the value in the path is not valid percent-encoded UTF-8; send other bytes as the body").exception());
    }

    /** Idempotency-Key: 1 to 255 visible ASCII characters, when present. */
    Optional<String> idempotencyKey(String header) {
        if (header == null) {
            return Optional.empty();
        }
        boolean visibleAscii = header.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        if (header.isEmpty() || header.length() > MAX_IDEMPOTENCY_KEY || !visibleAscii) {
            throw Problem.of(ProblemType.BAD_HEADER,
                    "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY + " visible ASCII characters").exception();
        }
        return Optional.of(header);
    }

    /** X-Max-Staleness-Ms: a whole number of milliseconds, 0 or more, when present. */
    OptionalLong maxStaleness(String header) {
        if (header == null) {
            return OptionalLong.empty();
        }
        try {
            long bound = Long.parseLong(header.trim());
            if (bound >= 0) {
                return OptionalLong.of(bound);
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Problem.of(ProblemType.BAD_HEADER, "X-Max-Staleness-Ms must be a whole number of milliseconds, 0 or more")
                .exception();
    }
}
