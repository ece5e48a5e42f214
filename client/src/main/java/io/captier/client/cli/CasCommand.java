package io.captier.client.cli;

import io.captier.client.Precondition;
import io.captier.client.WriteOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code captier cas KEY --expect VERSION|absent|any [VALUE|-]}: a conditional write; exit 3 on a mismatch. */
@Command(name = "cas", description = {"Compare-and-set: set KEY only if it is as expected (exit 3 if not).",
        "  --expect VERSION  its value has this version      (If-Match: \"VERSION\")",
        "  --expect absent   no value: never written, deleted (If-None-Match: *)",
        "  --expect any      a value, whatever its version    (If-Match: *)"})
final class CasCommand implements Callable<Integer> {

    @ParentCommand
    CaptierCli cli;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Option(names = "--expect", required = true, paramLabel = "VERSION|absent|any", converter = Expectation.class,
            description = "The state KEY must be in for the write to apply.")
    Precondition expect;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE|-", description = "The value as text (UTF-8), or - for standard input.")
    String value;

    @Option(names = "--content-type", paramLabel = "TYPE",
            description = "Default: text/plain; charset=utf-8 for VALUE, application/octet-stream for standard input.")
    String contentType;

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "Send this Idempotency-Key (default: a new UUID).")
    String idempotencyKey;

    @Override
    public Integer call() {
        Values v = Values.of(value, contentType, cli.stdin());
        cli.printer().write(cli.client().write(key, v.bytes(), v.contentType(), new WriteOptions(expect, Optional.ofNullable(idempotencyKey))));
        return ExitCode.OK;
    }
}
