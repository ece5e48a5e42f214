package io.captier.mode;

/** The two contracts one codebase keeps, chosen per deployment. */
public enum Mode {
    /** CP: linearizable on the PostgreSQL primary, 503 when that cannot be guaranteed. */
    CONSISTENT,
    /** AP: always answers, says where an answer came from and how stale it may be. */
    AVAILABLE;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
