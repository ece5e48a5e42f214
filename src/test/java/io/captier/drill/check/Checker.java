package io.captier.drill.check;

import io.captier.drill.history.History;

import java.util.List;

/** One property of the contract, checked over a whole recorded history. Pure: no I/O, no clock but its budget. */
public abstract class Checker {

    private final String name;

    protected Checker(String name) {
        this.name = name;
    }

    /** Names the checker in violations, figures and reports. */
    public final String name() {
        return name;
    }

    public abstract List<Violation> check(History history);
}
