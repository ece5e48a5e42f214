package io.captier.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Optional;

/**
 * A call to captier that did not succeed: the service's error answer (an RFC 9457 problem
 * of type {@code urn:captier:problem:<name>}, README "API"), a gateway's answer, or no
 * answer at all. Subclasses name the kinds a caller may want to treat apart; a problem type
 * this client does not know arrives as this class itself, with all its members.
 *
 * <p>Unchecked, so calls compose in lambdas and streams. Created by the client only.
 */
public class CaptierException extends RuntimeException {

    private final transient ProblemDetails problem;
    // Set by the client before the exception leaves it, never after.
    private String idempotencyKey;
    private int attempts = 1;

    CaptierException(ProblemDetails problem) {
        this(problem, null);
    }

    CaptierException(ProblemDetails problem, Throwable cause) {
        super(message(problem), cause);
        this.problem = problem;
    }

    private static String message(ProblemDetails p) {
        String text = p.detail().isEmpty() ? p.title() : p.detail();
        if (p.status() == 0) {
            return "no answer: " + text;
        }
        String name = p.name() != null ? p.name() : p.type() != null ? p.type() : "(no problem type)";
        return "HTTP " + p.status() + " " + name + ": " + text;
    }

    /**
     * @return the HTTP status of the answer (400..599), or 0 when no answer came
     *         ({@link ConnectionFailedException})
     */
    public int status() {
        return problem.status();
    }

    /**
     * @return the problem's {@code type} URI as sent (for captier
     *         {@code urn:captier:problem:<name>}); empty when the answer was not a problem
     */
    public Optional<String> type() {
        return Optional.ofNullable(problem.type());
    }

    /**
     * @return the name part of a captier problem type ({@code "unavailable"},
     *         {@code "not-found"}, ...); empty for a foreign type or none
     */
    public Optional<String> problemName() {
        return Optional.ofNullable(problem.name());
    }

    /** @return the problem's {@code title}, or a summary of the status when it had none; never null */
    public String title() {
        return problem.title();
    }

    /** @return the problem's {@code detail} (for people, not for parsing); "" when absent */
    public String detail() {
        return problem.detail();
    }

    /**
     * @return the whole problem object as the service sent it, captier's own members
     *         included ({@code outcome}, {@code source}, {@code current_version}, ...); an
     *         empty object when the answer had no JSON body. A copy: changing it changes nothing here.
     */
    public ObjectNode problem() {
        return problem.body().deepCopy();
    }

    /**
     * @param name a member of the problem object, e.g. {@code "outcome"}
     * @return that member, when present and not JSON null
     */
    public Optional<JsonNode> member(String name) {
        JsonNode v = problem.body().get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.deepCopy());
    }

    /**
     * @return how long the answer asked the client to wait before trying again
     *         ({@code Retry-After}, RFC 9110 section 10.2.3), when it said so
     */
    public Optional<Duration> retryAfter() {
        return problem.retryAfter();
    }

    /**
     * @return true when the same request may be sent again: nothing was changed, or it was
     *         a write sent with an {@code Idempotency-Key}, which the service applies at most
     *         once. The client has already retried such failures up to its maximum number of
     *         attempts before throwing.
     */
    public boolean retryable() {
        return false;
    }

    /**
     * @return the {@code Idempotency-Key} the failed write was sent with, so the caller can
     *         retry it later with the same key (README "API"); empty for reads
     */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(idempotencyKey);
    }

    /** @return how many requests the client sent for this call before giving up, at least 1 */
    public int attempts() {
        return attempts;
    }

    final ProblemDetails details() {
        return problem;
    }

    final void context(String idempotencyKey, int attempts) {
        this.idempotencyKey = idempotencyKey;
        this.attempts = attempts;
    }
}
