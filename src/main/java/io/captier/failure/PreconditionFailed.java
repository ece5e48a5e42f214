package io.captier.failure;

import java.util.Optional;

/**
 * A conditional write's precondition did not hold (412, docs/architecture.md C5): nothing was written.
 * Carries what the key held at the moment it was checked.
 */
public final class PreconditionFailed extends RequestRejectedException {

    private final transient Optional<Long> liveVersion;

    /** @param liveVersion the version of the value the key held, or empty when it held none */
    public PreconditionFailed(Optional<Long> liveVersion) {
        super("the precondition does not hold");
        this.liveVersion = liveVersion;
    }

    /** The version of the value the key held when the precondition was checked; empty when none. */
    public Optional<Long> liveVersion() {
        return liveVersion;
    }
}
