package io.captier.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code captier nodes}: the topology as the answering instance sees it. */
@Command(name = "nodes", description = "List every node as the answering instance sees it: role, reachable, staleness, fenced.")
final class NodesCommand implements Callable<Integer> {

    @ParentCommand
    CaptierCli cli;

    @Override
    public Integer call() {
        cli.printer().nodes(cli.client().nodes());
        return ExitCode.OK;
    }
}
