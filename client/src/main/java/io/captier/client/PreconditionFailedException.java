package io.captier.client;

import java.util.OptionalLong;

/**
 * 412 {@code precondition-failed}: a conditional write or delete ({@code If-Match},
 * {@code If-None-Match}; RFC 9110 section 13.1, docs/architecture.md C5) found the key in another state
 * than required, and changed nothing.
 */
public class PreconditionFailedException extends CaptierException {

    PreconditionFailedException(ProblemDetails problem) {
        super(problem);
    }

    /**
     * @return the version of the key's current value ({@code current_version}); empty when
     *         it has none (never written, or deleted)
     */
    public OptionalLong currentVersion() {
        return Json.wholeNumber(details().body(), "current_version");
    }

    /** @return whether the key currently has a value ({@code exists}) */
    public boolean exists() {
        return Json.flag(details().body(), "exists");
    }
}
