package io.captier.api;

import io.captier.failure.BufferedWritesPending;
import io.captier.failure.IdempotencyKeyReused;
import io.captier.failure.OutcomeUnknownException;
import io.captier.failure.PreconditionFailed;
import io.captier.failure.StoreUnavailableException;
import io.captier.session.InvalidSessionTokenException;
import io.captier.session.SessionBehindException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

/** How a failure of a read or write is answered (docs/architecture.md C3, C4 and section 2). */
final class Failures {

    private static final Logger LOG = Logger.getLogger(Failures.class);

    private Failures() {
    }

    static Response response(RuntimeException e, boolean isWrite) {
        if (e instanceof Problem.ProblemException p) {
            return p.response();
        }
        if (e instanceof OutcomeUnknownException) {
            return Problem.of(ProblemType.OUTCOME_UNKNOWN,
                            "the write was sent but its answer was lost; retry with the same Idempotency-Key")
                    .with("outcome", "unknown").retryAfterMs(1000).response();
        }
        if (e instanceof StoreUnavailableException u) {
            ProblemType type = e instanceof SessionBehindException ? ProblemType.SESSION_BEHIND : ProblemType.UNAVAILABLE;
            // The detail is in domain words only: addresses and driver text stay in the log.
            Problem p = Problem.of(type, u.detail()).retryAfterMs(u.retryAfterMs());
            if (isWrite) {
                p.with("outcome", "not-applied");
            }
            return p.response();
        }
        if (e instanceof InvalidSessionTokenException bad) {
            return Problem.of(ProblemType.BAD_SESSION, "X-Session-Token is not valid: " + bad.getMessage()).response();
        }
        if (e instanceof PreconditionFailed failed) {
            return Problem.of(ProblemType.PRECONDITION_FAILED, failed.liveVersion().isPresent()
                            ? "the key holds another version" : "the key holds no value")
                    .with("outcome", "not-applied")
                    .with("exists", failed.liveVersion().isPresent())
                    .with("current_version", failed.liveVersion().map(v -> Long.toString(v)).orElse(null))
                    .response();
        }
        if (e instanceof BufferedWritesPending pending) {
            return Problem.of(ProblemType.UNAVAILABLE, pending.getMessage()).with("outcome", "not-applied")
                    .retryAfterMs(1000).response();
        }
        if (e instanceof IdempotencyKeyReused) {
            return Problem.of(ProblemType.IDEMPOTENCY_KEY_REUSED, e.getMessage()).response();
        }
        LOG.errorf(e, "unexpected failure");
        return Problem.of(ProblemType.INTERNAL, "an unexpected error occurred; it has been logged").response();
    }
}
