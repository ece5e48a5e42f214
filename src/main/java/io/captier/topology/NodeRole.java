package io.captier.topology;

/**
 * The part a database node plays, as a probe found it, in the field's terms: a PostgreSQL
 * primary or standby, a Redis master or replica, a sentinel. Each server's own words stay at
 * the edge where they are read ({@link #ofRedisInfo}, {@link #ofPostgres}): Redis's INFO says
 * "slave", PostgreSQL says {@code pg_is_in_recovery()}.
 */
public enum NodeRole {
    PRIMARY("primary"),
    STANDBY("standby"),
    MASTER("master"),
    REPLICA("replica"),
    SENTINEL("sentinel"),
    /** Not probed yet, or the node answered a role captier does not know. */
    UNKNOWN("unknown");

    private final String wireName;

    NodeRole(String wireName) {
        this.wireName = wireName;
    }

    /** The name in /nodes, in log events and in metric labels (lower case, as above). */
    public String wireName() {
        return wireName;
    }

    /**
     * @param role the {@code role:} field of Redis's {@code INFO replication} ("master" or "slave")
     * @return {@link #MASTER}, {@link #REPLICA}, else {@link #UNKNOWN}
     */
    public static NodeRole ofRedisInfo(String role) {
        return switch (role == null ? "" : role) {
            case "master" -> MASTER;
            case "slave" -> REPLICA;
            default -> UNKNOWN;
        };
    }

    /**
     * @param inRecovery what {@code pg_is_in_recovery()} answered
     * @return {@link #STANDBY} while in recovery, else {@link #PRIMARY}
     */
    public static NodeRole ofPostgres(boolean inRecovery) {
        return inRecovery ? STANDBY : PRIMARY;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
