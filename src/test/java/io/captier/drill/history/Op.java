package io.captier.drill.history;

import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.util.Comparator;
import java.util.Objects;

/**
 * One request a drill client made, as it saw it: when it was sent and answered, what it
 * asked and what came back. Immutable; build one with {@link #read}, {@link #write} or
 * {@link #delete} and the {@link Builder}. A write or delete with a {@link Precondition}
 * is a compare-and-set; refused 412 it stays FAILED, with the answer's {@link Mismatch}.
 *
 * <p>Times: {@code invokeMs}/{@code completeMs} are epoch millis (compared with the
 * service's {@code staleness_ms} and the nemesis schedule). {@code invokeNanos} and
 * {@code completeNanos} order operations in real time more finely; they must come from
 * one monotonic clock for the whole history (the runner's {@code System.nanoTime()}).
 * When both are 0 they are taken from the millis, so hand-made histories need only millis.
 *
 * @param session     the session token's identity, or null when the client keeps no token
 * @param instance    the service instance that answered (X-Instance-Id) or was addressed
 * @param value       the value written; null for reads and deletes
 * @param status      HTTP status, 0 when there was no answer
 * @param valueRead   for reads: the value returned, null for a 404 (not found or tombstone)
 * @param version     for reads the version returned, for writes the version assigned; 0 when none
 * @param origin      the instance that issued {@code version}: for writes the answer's
 *                    {@code "origin"} (on a replay the first attempt's instance, not the one
 *                    answering), else the answering instance; for reads null unless known
 * @param source      for reads: where the answer came from ("redis-replica", "postgres-primary", ...)
 * @param stalenessMs for reads: the staleness bound the service reported
 * @param durability  for acknowledged writes: where the write lives (null when not answered)
 * @param problem     for refusals: the problem type the service answered with (its URN), else null
 * @param idempotencyKey for writes and deletes: the {@code Idempotency-Key} header sent, null when none.
 *                    The attempts of one logical write share it (docs/architecture.md A8)
 * @param replayed    the answer said {@code Idempotent-Replayed: true}: it repeats the answer to an
 *                    earlier attempt with the same idempotency key, and applied nothing itself
 * @param precondition for a compare-and-set (a write or delete sent with {@code If-Match} or
 *                    {@code If-None-Match}, docs/architecture.md C5): the condition sent; null for plain requests
 * @param mismatch    for a compare-and-set refused 412 (outcome FAILED, status 412, problem
 *                    {@link Precondition#FAILED_PROBLEM}): what the answer said the key held;
 *                    null otherwise, or when the answer did not say
 */
public record Op(long id, String client, String session, String instance, Mode mode, String key, OpType type,
                 String value, long invokeMs, long completeMs, long invokeNanos, long completeNanos,
                 Outcome outcome, int status, String valueRead, long version, String origin, String source,
                 long stalenessMs, Durability durability, String problem, String idempotencyKey, boolean replayed,
                 Precondition precondition, Mismatch mismatch) {

    /** The order operations were sent in (on the runner's monotonic clock; ties by id). */
    public static final Comparator<Op> SENT_ORDER = Comparator.comparingLong(Op::invokeNanos).thenComparingLong(Op::id);

    public Op {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(outcome, "outcome");
        if (precondition != null && !type.mutates()) {
            throw new IllegalArgumentException("op " + id + ": a read carries no precondition");
        }
        if (completeMs < invokeMs) {
            throw new IllegalArgumentException("op " + id + " completes before it is invoked");
        }
        if (invokeNanos == 0 && completeNanos == 0) {
            invokeNanos = invokeMs * 1_000_000;
            completeNanos = completeMs * 1_000_000;
        }
        if (origin == null && type.mutates()) {
            // A write's version is issued by the instance that took it: the LWW tie-break.
            origin = instance;
        }
    }

    public static Builder read(long id, String client, Mode mode, String key) {
        return new Builder(id, client, mode, key, OpType.READ, null);
    }

    public static Builder write(long id, String client, Mode mode, String key, String value) {
        return new Builder(id, client, mode, key, OpType.WRITE, Objects.requireNonNull(value));
    }

    public static Builder delete(long id, String client, Mode mode, String key) {
        return new Builder(id, client, mode, key, OpType.DELETE, null);
    }

    public boolean isRead() {
        return type == OpType.READ;
    }

    /** A write or delete the client got a 2xx for. */
    public boolean acknowledged() {
        return type.mutates() && outcome == Outcome.OK;
    }

    /** A compare-and-set: a write or delete sent with a precondition (docs/architecture.md C5). */
    public boolean isCas() {
        return precondition != null;
    }

    /**
     * A compare-and-set the service refused because its condition was false (412): it
     * changed nothing, and it observed the key (RFC 9110 section 13.1, docs/architecture.md C5).
     */
    public boolean preconditionFailed() {
        return precondition != null && status == 412 && outcome == Outcome.FAILED;
    }

    /** An OK read that returned nothing (404: not found or a tombstone). */
    public boolean foundNothing() {
        return isRead() && outcome == Outcome.OK && valueRead == null;
    }

    /** The content this op wrote: the value, or null for a delete. */
    public String writtenValue() {
        return type == OpType.DELETE ? null : value;
    }

    public Version versionStamp() {
        return version == 0 ? Version.NONE : new Version(version, origin);
    }

    public long latencyMs() {
        return completeMs - invokeMs;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("#").append(id).append(' ').append(client)
                .append(session == null ? "" : "/" + session).append(" -> ").append(instance).append(' ')
                .append(mode.wireName()).append(' ').append(type).append(' ').append(key);
        if (type == OpType.WRITE) {
            s.append("='").append(value).append('\'');
        }
        if (precondition != null) {
            s.append(" [").append(precondition).append(']');
        }
        s.append(' ').append(outcome).append(' ').append(status);
        if (mismatch != null) {
            s.append(' ').append(mismatch);
        }
        if (isRead() && outcome == Outcome.OK) {
            s.append(valueRead == null ? " not-found" : " '" + valueRead + "'").append(" from ").append(source)
                    .append(" staleness ").append(stalenessMs).append("ms");
        }
        if (version != 0) {
            s.append(" v").append(versionStamp());
        }
        if (durability != null) {
            s.append(' ').append(durability.wireName());
        }
        if (idempotencyKey != null) {
            s.append(" idempotency-key ").append(idempotencyKey);
        }
        if (replayed) {
            s.append(" replayed");
        }
        return s.append(" [").append(invokeMs).append("..").append(completeMs).append(']').toString();
    }

    /** Fills in an op as a client learns about it: sent, then answered (or not). */
    public static final class Builder {
        private final long id;
        private final String client;
        private final Mode mode;
        private final String key;
        private final OpType type;
        private final String value;
        private String session;
        private String instance;
        private long invokeMs;
        private long completeMs;
        private long invokeNanos;
        private long completeNanos;
        private Outcome outcome = Outcome.UNKNOWN;
        private int status;
        private String valueRead;
        private long version;
        private String origin;
        private String source;
        private long stalenessMs;
        private Durability durability;
        private String problem;
        private String idempotencyKey;
        private boolean replayed;
        private Precondition precondition;
        private Mismatch mismatch;

        private Builder(long id, String client, Mode mode, String key, OpType type, String value) {
            this.id = id;
            this.client = client;
            this.mode = mode;
            this.key = key;
            this.type = type;
            this.value = value;
        }

        public Builder session(String session) {
            this.session = session;
            return this;
        }

        public Builder instance(String instance) {
            this.instance = instance;
            return this;
        }

        /** Sent and answered at these epoch millis (nanos then follow from them). */
        public Builder at(long invokeMs, long completeMs) {
            this.invokeMs = invokeMs;
            this.completeMs = completeMs;
            return this;
        }

        /** The same two instants on the runner's monotonic clock. */
        public Builder nanos(long invokeNanos, long completeNanos) {
            this.invokeNanos = invokeNanos;
            this.completeNanos = completeNanos;
            return this;
        }

        public Builder ok(int status) {
            return outcome(Outcome.OK, status);
        }

        public Builder failed(int status) {
            return outcome(Outcome.FAILED, status);
        }

        public Builder unknown(int status) {
            return outcome(Outcome.UNKNOWN, status);
        }

        public Builder outcome(Outcome outcome, int status) {
            this.outcome = outcome;
            this.status = status;
            return this;
        }

        /** What a read returned: value (null for 404), version, source and reported staleness. */
        public Builder returned(String valueRead, long version, String source, long stalenessMs) {
            this.valueRead = valueRead;
            this.version = version;
            this.source = source;
            this.stalenessMs = stalenessMs;
            return this;
        }

        /** What a write was acknowledged with. */
        public Builder assigned(long version, Durability durability) {
            this.version = version;
            this.durability = durability;
            return this;
        }

        /** The problem type of a refusal (e.g. urn:captier:problem:session-behind). */
        public Builder problem(String problem) {
            this.problem = problem;
            return this;
        }

        public Builder origin(String origin) {
            this.origin = origin;
            return this;
        }

        /** The Idempotency-Key header the request carried (null: none). */
        public Builder idempotencyKey(String idempotencyKey) {
            this.idempotencyKey = idempotencyKey;
            return this;
        }

        /** Whether the answer carried {@code Idempotent-Replayed: true}. */
        public Builder replayed(boolean replayed) {
            this.replayed = replayed;
            return this;
        }

        /** The condition a compare-and-set was sent with (null: a plain request). */
        public Builder precondition(Precondition precondition) {
            this.precondition = precondition;
            return this;
        }

        /**
         * Refused 412 {@code precondition-failed}: FAILED, nothing applied, and the key as the
         * answer described it ({@code mismatch} null when the answer did not say).
         */
        public Builder preconditionFailed(Mismatch mismatch) {
            this.mismatch = mismatch;
            this.problem = Precondition.FAILED_PROBLEM;
            return failed(412);
        }

        public Op build() {
            return new Op(id, client, session, instance, mode, key, type, value, invokeMs, completeMs, invokeNanos,
                    completeNanos, outcome, status, valueRead, version, origin, source, stalenessMs, durability, problem,
                    idempotencyKey, replayed, precondition, mismatch);
        }
    }
}
