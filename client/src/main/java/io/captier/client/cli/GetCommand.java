package io.captier.client.cli;

import io.captier.client.ReadOptions;
import io.captier.client.ReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.OptionalLong;
import java.util.concurrent.Callable;

/** {@code captier get KEY}: a read; exit 2 when the key has no value. */
@Command(name = "get", description = "Read KEY: its value, content type, version, source and staleness.")
final class GetCommand implements Callable<Integer> {

    @ParentCommand
    CaptierCli cli;

    @Parameters(paramLabel = "KEY", description = "The key (any UTF-8 text; percent-encoded by the client).")
    String key;

    @Option(names = "--max-staleness-ms", paramLabel = "MS",
            description = "Available profile: answer only from a source at most MS ms stale, else fail (exit 5).")
    Long maxStalenessMs;

    @Option(names = "--raw", description = "Print the value's bytes alone, as stored (for binary values: > FILE).")
    boolean raw;

    @Override
    public Integer call() {
        ReadOptions options = new ReadOptions(maxStalenessMs == null ? OptionalLong.empty() : OptionalLong.of(maxStalenessMs));
        ReadResult r = cli.client().readRequired(key, options);
        if (raw) {
            cli.printer().raw(r.value());
        } else {
            cli.printer().read(r);
        }
        return ExitCode.OK;
    }
}
