package io.captier.client.cli;

import io.captier.client.CaptierClient;
import io.captier.client.CaptierException;
import io.captier.client.PemTrust;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.Optional;

/**
 * {@code captier}: reads, writes, compare-and-sets and inspects a captier endpoint from the
 * shell. One {@link CaptierClient} per invocation; the API key comes from
 * {@code CAPTIER_TOKEN} or {@code --key-file}, never from an argument.
 *
 * <p>The environment and the standard streams are given to the constructor, so tests run it
 * in-process; {@link #main(String[])} passes the real ones and exits with {@link #run}'s code.
 */
@Command(name = "captier",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        version = "captier client 0.1.0",
        description = "Command-line client of captier's HTTP API (README, section API).",
        subcommands = {GetCommand.class, PutCommand.class, DeleteCommand.class, CasCommand.class,
                NodesCommand.class, BreakersCommand.class},
        footerHeading = "%nAPI key:%n",
        footer = {"  From $CAPTIER_TOKEN, or --key-file FILE: the key alone, or a file with a",
                "  CAPTIER_TOKEN= line (scripts/up's .captier/credentials.env). Never from an",
                "  argument: other users see arguments in ps, and they stay in shell history."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:ok",
                "1:usage error or bad request (400 family, 413, 422)",
                "2:not found",
                "3:precondition failed (cas, conditional delete)",
                "4:unauthenticated or forbidden",
                "5:unavailable, session behind, outcome unknown, no instance, no answer",
                "6:rate limited",
                "7:other error (500, unknown problem, TLS handshake failed)"},
        exitCodeOnInvalidInput = ExitCode.USAGE,
        exitCodeOnExecutionException = ExitCode.OTHER)
public final class CaptierCli {

    static final String DEFAULT_URL = "http://127.0.0.1:5001";

    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "The endpoint: an instance or NGINX. Default: $CAPTIER_URL, else " + DEFAULT_URL + ".")
    String url;

    @Option(names = "--json", scope = ScopeType.INHERIT,
            description = "Print the service's JSON (an answer, or the problem of a failure) instead of lines.")
    boolean json;

    @Option(names = "--insecure-ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Trust this PEM certificate for https (the dev NGINX's self-signed one), and only it.")
    Path trustedCertificate;

    @Option(names = "--key-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Read the API key from this file instead of $CAPTIER_TOKEN.")
    Path keyFile;

    private final Map<String, String> env;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param env the environment ({@code CAPTIER_TOKEN}, {@code CAPTIER_URL})
     * @param in  standard input (values for {@code put KEY -})
     * @param out standard output (answers)
     * @param err standard error (failures)
     */
    public CaptierCli(Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
        this.env = Map.copyOf(env);
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the CLI with the process's environment and streams, and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(new CaptierCli(System.getenv(), System.in, System.out, System.err).run(args));
    }

    /**
     * @param args the command line
     * @return the exit code ({@link ExitCode})
     */
    public int run(String... args) {
        Optional<String> refused = ApiKeys.refusal(args);
        if (refused.isPresent()) {
            err.println("captier: " + refused.get());
            return ExitCode.USAGE;
        }
        CommandLine cli = new CommandLine(this);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, line, parsed) -> failed(e));
        return cli.execute(args);
    }

    /** The client for this invocation: one call, so one session. */
    CaptierClient client() {
        String endpoint = url != null ? url : env.getOrDefault("CAPTIER_URL", DEFAULT_URL);
        CaptierClient.Builder b = CaptierClient.builder().baseUri(endpoint).apiKey(ApiKeys.resolve(keyFile, env));
        if (trustedCertificate != null) {
            try {
                b.sslContext(PemTrust.sslContext(trustedCertificate));
            } catch (IOException | GeneralSecurityException e) {
                throw new UsageException("cannot use " + trustedCertificate + " as a trusted certificate: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    Printer printer() {
        return new Printer(out, json);
    }

    InputStream stdin() {
        return in;
    }

    private int failed(Exception e) {
        int code = ExitCode.of(e);
        if (e instanceof CaptierException c) {
            if (json) {
                out.println(c.problem());
            }
            err.println("captier: " + Printer.describe(c));
        } else if (e instanceof UsageException || e instanceof IllegalArgumentException) {
            err.println("captier: " + e.getMessage());
        } else if (e instanceof UncheckedIOException u) {
            err.println("captier: " + u.getCause().getMessage());
        } else {
            err.println("captier: " + e);
        }
        return code;
    }
}
