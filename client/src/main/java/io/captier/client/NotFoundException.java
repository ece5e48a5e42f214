package io.captier.client;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * 404 {@code not-found}: the key has no value (README "API"): never written, or deleted
 * (then {@link #deleted()} is true and {@link #tombstoneVersion()} is the delete's version).
 * On the available profile the answer, like a value, says which source it came from and how
 * stale that source may be.
 *
 * <p>{@link CaptierClient#read(String)} answers {@code Optional.empty()} instead;
 * {@link CaptierClient#readRequired(String, ReadOptions)} throws this.
 */
public class NotFoundException extends CaptierException {

    NotFoundException(ProblemDetails problem) {
        super(problem);
    }

    /** @return true when the key was deleted: the service holds a versioned tombstone for it */
    public boolean deleted() {
        return Json.flag(details().body(), "deleted");
    }

    /** @return the version of the delete (the tombstone), when the key was deleted */
    public OptionalLong tombstoneVersion() {
        return Json.wholeNumber(details().body(), "version");
    }

    /** @return the source that answered ({@code postgres-primary}, {@code redis-replica}, ...), when sent */
    public Optional<String> source() {
        return Optional.ofNullable(Json.text(details().body(), "source"));
    }

    /** @return the upper bound, in milliseconds, of how stale that source may be, when sent */
    public OptionalLong stalenessMs() {
        return Json.wholeNumber(details().body(), "staleness_ms");
    }
}
