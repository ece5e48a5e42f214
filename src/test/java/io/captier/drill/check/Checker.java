package io.captier.drill.check;

import io.captier.drill.history.History;

import java.util.List;

/** One property of the contract, checked over a whole recorded history. Pure: no I/O, no clock but its budget. */
public interface Checker {

    String name();

    List<Violation> check(History history);
}
