package io.captier.drill.history;

/**
 * What the client knows about one request once it is over. The checkers lean on the
 * difference between the last two: a FAILED write never happened, an UNKNOWN one may
 * have happened at any time after it was sent.
 */
public enum Outcome {
    /** Answered with content: 2xx, or 404 for a read. */
    OK,
    /** Definitely not applied, or definitely nothing read (a refusal such as 503 "not-applied"). */
    FAILED,
    /** May or may not have been applied: a timeout, no answer, or 503 {@code "outcome":"unknown"}. */
    UNKNOWN
}
