package io.captier.store;

/** Where a read was answered from, fastest first: the order of docs/architecture.md A2. */
public enum Source {
    REDIS_REPLICA("redis-replica"),
    REDIS_MASTER("redis-master"),
    POSTGRES_STANDBY("postgres-standby"),
    POSTGRES_PRIMARY("postgres-primary"),
    LOCAL_CACHE("local-cache");

    private final String wireName;

    Source(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
