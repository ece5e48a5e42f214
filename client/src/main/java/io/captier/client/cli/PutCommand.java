package io.captier.client.cli;

import io.captier.client.Precondition;
import io.captier.client.WriteOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code captier put KEY [VALUE|-]}: an unconditional write. */
@Command(name = "put", description = "Set KEY to VALUE, or to standard input's bytes when VALUE is - or missing.")
final class PutCommand implements Callable<Integer> {

    @ParentCommand
    CaptierCli cli;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE|-", description = "The value as text (UTF-8), or - for standard input.")
    String value;

    @Option(names = "--content-type", paramLabel = "TYPE",
            description = "Default: text/plain; charset=utf-8 for VALUE, application/octet-stream for standard input.")
    String contentType;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Send this Idempotency-Key (default: a new UUID); resend a write whose outcome was unknown with it.")
    String idempotencyKey;

    @Override
    public Integer call() {
        Values v = Values.of(value, contentType, cli.stdin());
        WriteOptions options = new WriteOptions(Precondition.none(), Optional.ofNullable(idempotencyKey));
        cli.printer().write(cli.client().write(key, v.bytes(), v.contentType(), options));
        return ExitCode.OK;
    }
}
