package io.captier.client.cli;

import io.captier.client.Precondition;
import io.captier.client.WriteOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code captier delete KEY [--expect VERSION|any]}: a delete (a versioned tombstone), conditional if asked. */
@Command(name = "delete", description = "Delete KEY (a versioned tombstone); with --expect only if it is as expected (exit 3 if not).")
final class DeleteCommand implements Callable<Integer> {

    @ParentCommand
    CaptierCli cli;

    @Parameters(paramLabel = "KEY", description = "The key.")
    String key;

    @Option(names = "--expect", paramLabel = "VERSION|any", converter = Expectation.class,
            description = "Delete only if its value has this version, or (any) if it has a value.")
    Precondition expect;

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "Send this Idempotency-Key (default: a new UUID).")
    String idempotencyKey;

    @Override
    public Integer call() {
        if (Precondition.absent().equals(expect)) {
            throw new UsageException("delete --expect absent would delete nothing: give a version or any");
        }
        cli.printer().write(cli.client().delete(key, new WriteOptions(
                expect == null ? Precondition.none() : expect, Optional.ofNullable(idempotencyKey))));
        return ExitCode.OK;
    }
}
