package io.captier.drill.check;

import io.captier.drill.history.FinalState;
import io.captier.drill.history.History;
import io.captier.drill.history.NemesisEvent;
import io.captier.drill.history.Op;
import io.captier.drill.history.OpType;
import io.captier.drill.history.Outcome;
import io.captier.drill.history.Version;
import io.captier.mode.Durability;
import io.captier.mode.Mode;
import io.captier.version.Hlc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * At most once per {@code Idempotency-Key} (docs/architecture.md A8), available profile. The attempts
 * that carried one idempotency key are a <em>group</em>: one logical write, sent again
 * with the same request after an unknown outcome or a 5xx, or just because. Its content
 * is its value (the drill writes each value once) or, for a delete, a tombstone. Applied
 * at most once, the write has at most one version, so everything the history shows of it
 * must carry that one:
 *
 * <ol>
 *   <li><b>Acknowledged attempts agree.</b> Every attempt answered 2xx with a version
 *       reports the same (version, origin): a retry is answered with the first answer.
 *       Two different ones: applied twice, or at least a retry not answered with the first
 *       answer. The group's version is then that of its first acknowledged attempt.</li>
 *   <li><b>Observations of the value agree.</b> An OK read (either profile) returning the
 *       group's value with another version, or a final state holding the value with
 *       another version, shows a second application, or an acknowledgement of a version
 *       the write never had ("a retry overwrote" when the final state buried a write
 *       acknowledged in between). A group with no acknowledged attempt has no version
 *       of its own: then every observation of its value must carry one and the same
 *       version. Not judged when a write outside the group wrote the same value to the key:
 *       the observations could be either's.</li>
 *   <li><b>Tombstones of an acknowledged delete.</b> Tombstones of different deletes look
 *       alike, so one is held against the group only when nothing else could have written
 *       it: a tombstone (final state, or a 404 read carrying a version) at another version
 *       than the group's, where every delete that may have written it (acknowledged at
 *       that version, or without a version: sent to the instance named as its origin, when
 *       known; invoked before the read answered) is an attempt of this group.</li>
 *   <li><b>A replay repeats an attempt.</b> An answer with {@code Idempotent-Replayed: true}
 *       needs an earlier attempt of its group (sent before it) that may have been applied:
 *       acknowledged or of unknown outcome. A FAILED attempt was refused
 *       ("not-applied", or never sent), so there was no first answer to repeat.</li>
 *   <li><b>The same request is not a reuse.</b> The attempts of a group are one request,
 *       so none may be refused {@code 422 idempotency-key-reused}.</li>
 * </ol>
 *
 * <p>One exception to rule 1, the contract's own (docs/decisions.md, Buffers: "A retry no
 * store can check is taken"): an attempt whose other attempt waits in another instance's hint
 * log cannot see it in any store, so it is taken again at a version of its own; the write is
 * still applied at most once, whichever attempt reaches the primary first. Such a group
 * (acknowledged at more than one version, each but at most one of them only by attempts
 * answered {@code local}, each version issued by another instance: an instance's own hint log
 * would have caught its own repeat; widened below) is {@linkplain #takenBlind counted} and judged by what
 * "at most once" leaves: the final state and every read of the value show one of the group's
 * versions, and where an attempt acknowledged on a store (the primary, or Redis) had completed
 * before a differing {@code local} one was sent, the final state holding the value holds that
 * first one (it claimed the key; reconciliation must skip the later attempt). Deletes taken
 * blind are not judged: their tombstones cannot be told apart. A partition makes such groups
 * common: the drill found them there.
 *
 * <p>A retry is blind in the same way when the first attempt's answer is only where the
 * retry's instance cannot look: committed on the primary it cannot reach (it buffered the
 * retry: that is what it does without the primary) while the write-through that would have
 * left the key's record in Redis failed, or buffered on a Redis master it does not use (a
 * partition split Redis). So a group is taken blind when its versions were each issued by
 * another instance, at most one of them committed on the primary and at most one buffered on
 * Redis (a master cut off from its replicas cannot confirm a second; anything more is a replay
 * bug), and a commit sent after a buffered attempt had completed only while a partition that
 * can split Redis held (otherwise the record was there to be found). The claim rule above
 * then reads: the attempt committed on the primary holds the final state. Found by the drill's partitions:
 * a retry committed on the primary beside a first attempt buffered on the promoted master, and
 * a retry buffered in Redis just after a halves partition healed, while the primary's commit
 * of the first attempt had not been written through.
 *
 * <p>One exception to rules 2 and 3, for unconfirmed buffers: an attempt that a Redis master cut off
 * from its replicas took, and the hint log then could not (its disk taken away), is answered
 * {@code outcome-unknown}, rightly: it may be reconciled, or lost with that master. Until the
 * sentinels' new master replaces it, reads on its side of the partition show the attempt at
 * its own version, while a retry on the other side, which cannot see it, is applied at
 * another; the old master's copy then goes with its data. Such reads (served by Redis during
 * a partition that can split it, or by the last-known cache it filled, at a version no
 * attempt was acknowledged with, from the
 * instance whose attempt answered outcome-unknown, or got no answer because the instance was
 * killed under it, during that partition), of the value or, for a delete, of its tombstone,
 * are not held against the group; the final state always is. Found by the drill's disk
 * faults; the killed instance's attempt (during a halves partition) by the 40-minute soak.
 *
 * <p>The same holds for a retry taken blind beside an attempt that got no answer (outcome-unknown,
 * or its instance killed under it): the blind retry goes into the hint log at a version of its
 * own ({@code local}), and the unanswered attempt may have been applied at its own, which the
 * hint log's copy then loses to (reconciliation checks the key's record first). Reads and the
 * final state may show the unanswered attempt's version; that is no second application when
 * every acknowledged attempt answered {@code local} on another instance, and the version seen was
 * issued while the unanswered attempt ran ({@link #CLOCK_MARGIN_MS} either way), and only one
 * such version is seen. Found by the 60-minute soak of 98d9f90: a first attempt cut short by
 * its instance's kill, retried on an instance whose breaker to the Redis master was still open.
 */
public final class IdempotencyChecker extends Checker {

    public static final String NAME = "idempotency";

    static final String KEY_REUSED = "urn:captier:problem:idempotency-key-reused";
    static final String OUTCOME_UNKNOWN = "urn:captier:problem:outcome-unknown";
    /** The source of a read the instance's last-known cache answered: it holds what its Redis served. */
    private static final String LOCAL_CACHE = "local-cache";

    /** How many observations a violation lists as evidence. */
    private static final int EXAMPLES = 5;

    /** The drill's partitions after which two instances may each write to a Redis master of its own. */
    static final Set<String> REDIS_SPLITS = Set.of("partition redis-master side", "partition halves",
            "partition one-way", "partition majority ring");

    /** How far a version's clock part may lie outside its attempt's time: MAX_CLOCK_OFFSET_MS (the drill's clocks stay within 200 ms). */
    static final long CLOCK_MARGIN_MS = 500;

    /** The id {@link FinalStateChecker#asRead} gives the final state as an observation. */
    private static final long FINAL_STATE_ID = -1;

    public IdempotencyChecker() {
        super(NAME);
    }

    @Override
    public List<Violation> check(History history) {
        Map<String, List<Op>> groups = history.ops().stream()
                .filter(op -> op.mode() == Mode.AVAILABLE && op.type().mutates() && op.idempotencyKey() != null)
                .collect(Collectors.groupingBy(Op::idempotencyKey, TreeMap::new, Collectors.toList()));
        List<Violation> found = new ArrayList<>();
        groups.forEach((idempotencyKey, attempts) ->
                found.addAll(judge(history, new Group(idempotencyKey, attempts.stream().sorted(Op.SENT_ORDER).toList()))));
        return found;
    }

    private List<Violation> judge(History history, Group group) {
        if (!group.oneRequest()) {
            return List.of(Violation.inconclusive(NAME, group.key(), "the attempts with Idempotency-Key "
                    + group.idempotencyKey + " are not one request (" + ids(group.attempts) + "): not judged"));
        }
        List<Violation> found = new ArrayList<>();
        refusedAsReused(group).ifPresent(found::add);
        replaysWithoutAttempt(group).ifPresent(found::add);
        Optional<Violation> twice = acknowledgedTwice(group);
        if (twice.isPresent() && group.takenBlind(history)) {
            blindRetryApplied(history, group).ifPresent(found::add);
        } else if (twice.isPresent()) {
            found.add(twice.get());
        } else if (group.isDelete()) {
            otherTombstones(history, group).ifPresent(found::add);
        } else {
            otherVersionsOfTheValue(history, group).ifPresent(found::add);
        }
        return found;
    }

    /** Rule 5. */
    private Optional<Violation> refusedAsReused(Group group) {
        List<Op> refused = group.attempts.stream().filter(op -> op.status() == 422).toList();
        if (refused.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Violation.of(NAME, group.key(), group.describe() + ": a retry of the same request was "
                + "refused as a reused key (" + ids(refused) + ")", group.attempts));
    }

    /** Rule 4. */
    private Optional<Violation> replaysWithoutAttempt(Group group) {
        List<Op> orphans = new ArrayList<>();
        for (int i = 0; i < group.attempts.size(); i++) {
            Op op = group.attempts.get(i);
            if (op.replayed() && group.attempts.subList(0, i).stream().allMatch(a -> a.outcome() == Outcome.FAILED)) {
                orphans.add(op);
            }
        }
        if (orphans.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Violation.of(NAME, group.key(), group.describe() + ": " + ids(orphans)
                + " answered as a replay, but no earlier attempt could have been applied",
                group.attempts));
    }

    /** Rule 1. */
    private Optional<Violation> acknowledgedTwice(Group group) {
        List<Op> acknowledged = group.acknowledged();
        List<Version> versions = acknowledged.stream().map(Op::versionStamp).distinct().toList();
        if (versions.size() <= 1) {
            return Optional.empty();
        }
        String answers = acknowledged.stream().map(op -> "v" + op.versionStamp() + " (#" + op.id() + ")")
                .collect(Collectors.joining(", "));
        return Optional.of(Violation.of(NAME, group.key(), group.describe()
                + " applied twice (or a retry not answered with the first answer): its attempts were acknowledged"
                + " with different versions: " + answers,
                group.attempts));
    }

    /**
     * The groups of {@code history} whose retries were taken blind (the exception to rule 1,
     * see the class comment): for the drill's summary.
     */
    public static long takenBlind(History history) {
        return history.ops().stream()
                .filter(op -> op.mode() == Mode.AVAILABLE && op.type().mutates() && op.idempotencyKey() != null)
                .collect(Collectors.groupingBy(Op::idempotencyKey)).entrySet().stream()
                .filter(e -> new Group(e.getKey(), e.getValue()).takenBlind(history)).count();
    }

    /**
     * The exception to rule 1 (see the class comment): reads and the final state of the value
     * show one of the group's versions, and the final state the claiming one where one claimed first.
     */
    private Optional<Violation> blindRetryApplied(History history, Group group) {
        if (group.isDelete()) {
            return Optional.empty();
        }
        List<Version> own = group.acknowledged().stream().map(Op::versionStamp).distinct().toList();
        List<Op> other = observationsOfTheValue(history, group).stream()
                .filter(o -> own.stream().noneMatch(v -> same(observed(o), v))).toList();
        if (!other.isEmpty()) {
            return Optional.of(Violation.of(NAME, group.key(), group.describe() + ", a retry taken blind: "
                    + seen(other.get(0)) + " at v" + observed(other.get(0)) + ", a version none of its attempts "
                    + "was acknowledged with", concat(group.attempts, other)));
        }
        Optional<Op> claimed = group.claimedBeforeABlindAttempt();
        Optional<Op> state = history.finalState(group.key()).filter(s -> group.value().equals(s.visibleValue()))
                .map(s -> FinalStateChecker.asRead(s, history.endMs()));
        if (claimed.isPresent() && state.isPresent() && !same(observed(state.get()), claimed.get().versionStamp())) {
            return Optional.of(Violation.of(NAME, group.key(), group.describe() + " applied twice: #"
                    + claimed.get().id() + " was acknowledged at v" + claimed.get().versionStamp() + " on a store before a"
                    + " retry was taken blind, yet the final state holds it at v" + observed(state.get()),
                    group.attempts));
        }
        return Optional.empty();
    }

    /**
     * OK reads of the group's value (that carry a version) and the final state holding it, as
     * reads; but not a read of an unconfirmed buffer lost with its master ({@link #lostWithItsMaster}).
     */
    private static List<Op> observationsOfTheValue(History history, Group group) {
        return Stream.concat(
                history.opsOf(group.key()).stream().filter(op -> op.isRead() && op.outcome() == Outcome.OK
                        && op.version() != 0 && group.value().equals(op.valueRead()))
                        .filter(op -> !lostWithItsMaster(history, group, op)),
                history.finalState(group.key()).filter(s -> group.value().equals(s.visibleValue()))
                        .map(s -> FinalStateChecker.asRead(s, history.endMs())).stream()).toList();
    }

    /**
     * A read of an attempt's unconfirmed buffer on a Redis master that a partition was replacing
     * (the exception for unconfirmed buffers, see the class comment): served by Redis while a
     * partition that can split it held, at a version no attempt was acknowledged with, from
     * the instance where an attempt of the group {@linkplain #mayBeOnACutOffMaster may be on
     * the cut-off master} during that partition. Never the final state.
     */
    private static boolean lostWithItsMaster(History history, Group group, Op read) {
        if (read.id() == FINAL_STATE_ID || read.source() == null
                || !(read.source().startsWith("redis-") || read.source().equals(LOCAL_CACHE))
                || group.acknowledged().stream().anyMatch(a -> same(a.versionStamp(), observed(read)))) {
            return false;
        }
        List<NemesisEvent> splits = history.nemesis().stream().filter(e -> REDIS_SPLITS.contains(e.kind())
                && e.startMs() <= read.completeMs() && read.invokeMs() <= e.endMs()).toList();
        return group.attempts.stream().filter(a -> mayBeOnACutOffMaster(history, a))
                .filter(a -> read.origin() == null || read.origin().equals(a.instance()))
                .anyMatch(a -> a.invokeMs() <= read.completeMs() && splits.stream()
                        .anyMatch(e -> e.startMs() <= a.completeMs() && a.invokeMs() <= e.endMs()));
    }

    /**
     * An attempt a cut-off Redis master may hold unconfirmed, with nothing promised: answered
     * {@code outcome-unknown}, or not answered because its instance was killed under it (the
     * 40-minute soak's second finding). An answer that merely never came (the client's
     * timeout) is no excuse: a live instance answers within its timeouts.
     */
    private static boolean mayBeOnACutOffMaster(History history, Op attempt) {
        if (attempt.outcome() != Outcome.UNKNOWN) {
            return false;
        }
        return OUTCOME_UNKNOWN.equals(attempt.problem())
                || attempt.status() == 0 && history.downDuring(attempt.instance(), attempt.invokeMs(), attempt.completeMs());
    }

    /**
     * An observation of the version an unanswered attempt may have been applied at, beside a retry
     * taken blind (see the class comment): every acknowledged attempt answered {@code local} on
     * another instance, and the version's clock part falls within an unanswered attempt's time.
     */
    private static boolean ofAnUnansweredAttemptBesideABlindRetry(History history, Group group, Op observation) {
        List<Op> acknowledged = group.acknowledged();
        if (acknowledged.isEmpty() || acknowledged.stream().anyMatch(a -> a.durability() != Durability.LOCAL)) {
            return false;
        }
        long issuedMs = Hlc.wallMillis(observation.version());
        return group.attempts.stream().filter(a -> mayBeOnACutOffMaster(history, a))
                .filter(a -> acknowledged.stream().noneMatch(k -> a.instance().equals(k.origin())))
                .anyMatch(a -> issuedMs >= a.invokeMs() - CLOCK_MARGIN_MS && issuedMs <= a.completeMs() + CLOCK_MARGIN_MS);
    }

    /** Rule 2. */
    private Optional<Violation> otherVersionsOfTheValue(History history, Group group) {
        boolean sharedValue = history.opsOf(group.key()).stream()
                .anyMatch(op -> op.type() == OpType.WRITE && op.outcome() != Outcome.FAILED
                        && !group.idempotencyKey.equals(op.idempotencyKey()) && group.value().equals(op.value()));
        if (sharedValue) {
            return Optional.empty();
        }
        List<Op> observations = observationsOfTheValue(history, group);
        Optional<Op> first = group.firstAcknowledged();
        if (first.isPresent()) {
            Version own = first.get().versionStamp();
            List<Op> other = observations.stream().filter(o -> !same(observed(o), own)).toList();
            List<Op> unanswered = other.stream().filter(o -> ofAnUnansweredAttemptBesideABlindRetry(history, group, o))
                    .toList();
            if (unanswered.stream().map(o -> o.version()).distinct().count() == 1) {
                other = other.stream().filter(o -> !unanswered.contains(o)).toList();
            }
            if (other.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(seenAtAnotherVersion(history, group, first.get(), other));
        }
        for (int i = 0; i < observations.size(); i++) {
            for (int j = i + 1; j < observations.size(); j++) {
                Op a = observations.get(i);
                Op b = observations.get(j);
                if (!same(observed(a), observed(b))) {
                    return Optional.of(Violation.of(NAME, group.key(), group.describe() + " applied twice: no "
                            + "attempt was acknowledged, but " + seen(a) + " and " + seen(b),
                            concat(group.attempts, List.of(a, b))));
                }
            }
        }
        return Optional.empty();
    }

    /** Rule 3. */
    private Optional<Violation> otherTombstones(History history, Group group) {
        Optional<Op> first = group.firstAcknowledged();
        if (first.isEmpty()) {
            return Optional.empty(); // no version of its own, and tombstones cannot be told apart
        }
        Version own = first.get().versionStamp();
        List<Op> deletes = history.opsOf(group.key()).stream()
                .filter(op -> op.type() == OpType.DELETE && op.outcome() != Outcome.FAILED).toList();
        List<Op> tombstones = Stream.concat(
                history.opsOf(group.key()).stream().filter(op -> op.foundNothing() && op.version() != 0)
                        .filter(op -> !lostWithItsMaster(history, group, op)),
                history.finalState(group.key()).filter(FinalState::deleted)
                        .map(s -> FinalStateChecker.asRead(s, history.endMs())).stream()).toList();
        List<Op> other = new ArrayList<>();
        for (Op tombstone : tombstones) {
            Version seen = observed(tombstone);
            if (same(seen, own)) {
                continue;
            }
            // The final state comes after everything (and its time is not on the runner's clock).
            List<Op> writers = deletes.stream()
                    .filter(d -> tombstone.id() == FINAL_STATE_ID || d.invokeNanos() <= tombstone.completeNanos())
                    .filter(d -> d.version() != 0 ? same(d.versionStamp(), seen)
                            : seen.origin() == null || seen.origin().equals(d.origin())).toList();
            if (!writers.isEmpty() && writers.stream().allMatch(d -> group.idempotencyKey.equals(d.idempotencyKey()))) {
                other.add(tombstone);
            }
        }
        if (other.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(seenAtAnotherVersion(history, group, first.get(), other));
    }

    /** A finding of rules 2 and 3: observations at a version other than the group's own. */
    private Violation seenAtAnotherVersion(History history, Group group, Op acknowledged, List<Op> other) {
        Version own = acknowledged.versionStamp();
        List<Op> overwritten = List.of();
        StringBuilder message = new StringBuilder(group.describe())
                .append(" applied twice (or acknowledged at a version it never had): acknowledged at v").append(own)
                .append(" (#").append(acknowledged.id()).append("), but ");
        message.append(other.stream().limit(EXAMPLES).map(IdempotencyChecker::seen).collect(Collectors.joining(", ")));
        if (other.size() > EXAMPLES) {
            message.append(" and ").append(other.size() - EXAMPLES).append(" more");
        }
        Optional<Op> finalState = other.stream().filter(o -> o.id() == FINAL_STATE_ID).findFirst();
        if (finalState.isPresent()) {
            Version last = observed(finalState.get());
            // A8: "a retry never overwrites a write acknowledged after the first attempt".
            overwritten = history.opsOf(group.key()).stream()
                    .filter(op -> op.acknowledged() && !group.idempotencyKey.equals(op.idempotencyKey()))
                    .filter(op -> op.versionStamp().supersedes(own) && last.supersedes(op.versionStamp())).toList();
            if (!overwritten.isEmpty()) {
                message.append(": a retry overwrote ").append(ids(overwritten)).append(", acknowledged in between");
            }
        }
        List<Op> evidence = concat(group.attempts, other.stream().limit(EXAMPLES).toList());
        return Violation.of(NAME, group.key(), message.toString(), concat(evidence, overwritten));
    }

    /** What an observation saw: a read's version (origin unknown unless recorded), the final row's with its origin. */
    private static Version observed(Op observation) {
        return new Version(observation.version(), observation.origin());
    }

    /** The same write, as far as can be told: neither supersedes the other (an unknown origin decides no tie). */
    private static boolean same(Version a, Version b) {
        return !a.supersedes(b) && !b.supersedes(a);
    }

    private static String seen(Op observation) {
        String what = observation.id() == FINAL_STATE_ID ? "the final state holds it" : "read #" + observation.id()
                + " saw it";
        return what + " at v" + observed(observation);
    }

    private static String ids(List<Op> ops) {
        return ops.stream().map(op -> "#" + op.id()).collect(Collectors.joining(", "));
    }

    private static List<Op> concat(List<Op> a, List<Op> b) {
        List<Op> all = new ArrayList<>(a);
        b.stream().filter(op -> !all.contains(op)).forEach(all::add);
        return all;
    }

    /** The attempts of one idempotency key, in the order they were sent. */
    private record Group(String idempotencyKey, List<Op> attempts) {

        Op first() {
            return attempts.get(0);
        }

        String key() {
            return first().key();
        }

        boolean isDelete() {
            return first().type() == OpType.DELETE;
        }

        String value() {
            return first().value();
        }

        /** Same key, same operation, same value: what the drill sends, and what a retry must be. */
        boolean oneRequest() {
            return attempts.stream().allMatch(op -> op.key().equals(key()) && op.type() == first().type()
                    && Objects.equals(op.value(), value()));
        }

        /** Attempts answered 2xx with a version. */
        List<Op> acknowledged() {
            return attempts.stream().filter(op -> op.acknowledged() && op.version() != 0).toList();
        }

        Optional<Op> firstAcknowledged() {
            return acknowledged().stream().findFirst();
        }

        /**
         * Acknowledged at more than one version, each issued by another instance, at most one of
         * them committed on the primary and at most one buffered on Redis: every other version
         * was taken by an instance that could not see the other attempts (see the class comment).
         */
        boolean takenBlind(History history) {
            List<Version> versions = acknowledged().stream().map(Op::versionStamp).distinct().toList();
            long origins = versions.stream().map(Version::origin).distinct().count();
            if (versions.size() <= 1 || origins != versions.size()
                    || versionsWith(Durability.PRIMARY) > 1 || versionsWith(Durability.REPLICATED_BUFFER) > 1) {
                return false;
            }
            // A retry committed after an attempt buffered on Redis had completed missed its record:
            // only a master it does not use could have held it.
            return !committedAfterABufferedOne() || duringARedisSplit(history);
        }

        private boolean committedAfterABufferedOne() {
            List<Op> acknowledged = acknowledged();
            return acknowledged.stream().filter(Group::committed).anyMatch(commit -> acknowledged.stream()
                    .anyMatch(buffered -> buffered.durability() == Durability.REPLICATED_BUFFER
                            && commit.invokeNanos() > buffered.completeNanos()));
        }

        /**
         * A partition that can leave instances on two Redis masters (the master's side cut off
         * from the sentinels, two halves, one-way loss, a majority ring: each instance may hear
         * a different majority of sentinels) held at some time between the first
         * acknowledged attempt's start and the last one's end.
         */
        private boolean duringARedisSplit(History history) {
            long from = acknowledged().stream().mapToLong(Op::invokeMs).min().orElse(0);
            long to = acknowledged().stream().mapToLong(Op::completeMs).max().orElse(0);
            return history.nemesis().stream().anyMatch(e -> REDIS_SPLITS.contains(e.kind())
                    && e.startMs() <= to && e.endMs() >= from);
        }

        /** Committed on the primary by this attempt itself (not a replay): it claimed the key then. */
        private static boolean committed(Op op) {
            return op.durability() == Durability.PRIMARY && !op.replayed();
        }

        private long versionsWith(Durability durability) {
            return acknowledged().stream().filter(op -> op.durability() == durability)
                    .map(Op::versionStamp).distinct().count();
        }

        /**
         * The attempt that claimed the key before a blind one was sent, if there is one: acknowledged
         * on a store (not {@code local}) and completed before an attempt acknowledged {@code local}
         * at another version was sent, or committed on the primary beside an attempt buffered on
         * Redis at another version (whatever the order: had the buffered one reached the primary
         * first, the commit would have been a replay).
         */
        Optional<Op> claimedBeforeABlindAttempt() {
            List<Op> acknowledged = acknowledged();
            return acknowledged.stream().filter(op -> op.durability() != Durability.LOCAL)
                    .filter(claim -> acknowledged.stream().anyMatch(blind -> claimsBefore(claim, blind)))
                    .findFirst();
        }

        private static boolean claimsBefore(Op claim, Op blind) {
            if (blind.versionStamp().equals(claim.versionStamp())) {
                return false;
            }
            if (committed(claim) && blind.durability() == Durability.REPLICATED_BUFFER) {
                return true;
            }
            return blind.durability() == Durability.LOCAL && blind.invokeNanos() > claim.completeNanos();
        }

        /** "write 'x' (Idempotency-Key c-w1)", for messages. */
        String describe() {
            return (isDelete() ? "delete" : "write '" + value() + "'") + " (Idempotency-Key " + idempotencyKey + ")";
        }
    }
}
