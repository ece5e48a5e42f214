package io.captier.mode;

/** Where an acknowledged write lives when the client gets its answer (docs/architecture.md A5). */
public enum Durability {
    /** Committed on the PostgreSQL primary (and its synchronous standby where configured). */
    PRIMARY("primary", 200),
    /** On the Redis pending stream, held by the master and every replica a failover may promote. */
    REPLICATED_BUFFER("replicated-buffer", 202),
    /** Appended and fsync'd to this instance's hint log (Redis could not confirm it on its replicas). */
    LOCAL("local", 202);

    private final String wireName;
    private final int status;

    Durability(String wireName, int status) {
        this.wireName = wireName;
        this.status = status;
    }

    public String wireName() {
        return wireName;
    }

    /**
     * @param wireName {@code primary}, {@code replicated-buffer} or {@code local}
     * @throws IllegalArgumentException for any other name
     */
    public static Durability fromWireName(String wireName) {
        for (Durability d : values()) {
            if (d.wireName.equals(wireName)) {
                return d;
            }
        }
        throw new IllegalArgumentException("no durability " + wireName);
    }

    /** 200 when the system of record has it, 202 when it waits to be reconciled. */
    public int status() {
        return status;
    }
}
