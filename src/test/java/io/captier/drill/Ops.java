package io.captier.drill;

import io.captier.drill.history.Mismatch;
import io.captier.drill.history.Op;
import io.captier.drill.history.Precondition;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

/**
 * Hand-made operations for checker tests: ids count up, every op is answered OK unless
 * the test says otherwise, times are in ms. Versions are written as small numbers: only
 * their order matters to the checkers.
 */
public final class Ops {

    private final Mode mode;
    private final String instance;
    private long nextId = 1;

    private Ops(Mode mode, String instance) {
        this.mode = mode;
        this.instance = instance;
    }

    public static Ops consistent() {
        return new Ops(Mode.CONSISTENT, "consistent-1");
    }

    public static Ops available() {
        return new Ops(Mode.AVAILABLE, "available-1");
    }

    /** A write answered 200 (durability primary), version not recorded. */
    public Op.Builder write(String client, String key, String value, long from, long to) {
        return Op.write(nextId++, client, mode, key, value).instance(instance).at(from, to).ok(200)
                .assigned(0, Durability.PRIMARY);
    }

    public Op.Builder delete(String client, String key, long from, long to) {
        return Op.delete(nextId++, client, mode, key).instance(instance).at(from, to).ok(200)
                .assigned(0, Durability.PRIMARY);
    }

    /** A write answered 200 (durability primary) at {@code version}. */
    public Op.Builder write(String client, String key, String value, long version, long from, long to) {
        return write(client, key, value, from, to).assigned(version, Durability.PRIMARY);
    }

    /** A compare-and-set write of {@code value} under {@code condition}, answered 200 at {@code version}. */
    public Op.Builder cas(String client, String key, Precondition condition, String value, long version, long from,
                          long to) {
        return write(client, key, value, version, from, to).precondition(condition);
    }

    /** A compare-and-set delete under {@code condition}, answered 200 with a tombstone at {@code version}. */
    public Op.Builder casDelete(String client, String key, Precondition condition, long version, long from, long to) {
        return delete(client, key, from, to).assigned(version, Durability.PRIMARY).precondition(condition);
    }

    /** A compare-and-set write of {@code value} under {@code condition}, refused 412 with {@code said}. */
    public Op.Builder refused(String client, String key, Precondition condition, String value, Mismatch said,
                              long from, long to) {
        return Op.write(nextId++, client, mode, key, value).instance(instance).at(from, to).precondition(condition)
                .preconditionFailed(said);
    }

    /** A read that returned {@code value} (null: 404), version 0, from the primary, staleness 0. */
    public Op.Builder read(String client, String key, String value, long from, long to) {
        return Op.read(nextId++, client, mode, key).instance(instance).at(from, to).ok(value == null ? 404 : 200)
                .returned(value, 0, "postgres-primary", 0);
    }
}
