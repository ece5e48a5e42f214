package io.captier.drill.history;

/** What a client asked for. A delete writes a versioned tombstone (README, "API"). */
public enum OpType {
    READ,
    WRITE,
    DELETE;

    /** Writes and deletes change the key; reads only observe it. */
    public boolean mutates() {
        return this != READ;
    }
}
