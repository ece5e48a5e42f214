package io.captier.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code captier breakers}: the answering instance's circuit breakers. */
@Command(name = "breakers", description = "List the answering instance's circuit breakers: state, counts, since when.")
final class BreakersCommand implements Callable<Integer> {

    @ParentCommand
    CaptierCli cli;

    @Override
    public Integer call() {
        cli.printer().breakers(cli.client().breakers());
        return ExitCode.OK;
    }
}
