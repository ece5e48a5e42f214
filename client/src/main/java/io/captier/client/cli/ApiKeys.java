package io.captier.client.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the CLI's API key comes from: {@code --key-file FILE}, else the environment's
 * {@code CAPTIER_TOKEN}. Never from an argument: arguments are visible to every user of the
 * machine ({@code ps}) and stay in shell history.
 */
final class ApiKeys {

    static final String ENV = "CAPTIER_TOKEN";

    /** Options someone might try to pass a key with; refused by name, before parsing. */
    private static final Set<String> REFUSED = Set.of("--token", "--api-key", "--apikey", "--key", "--auth",
            "--authorization", "--bearer", "--password", "--secret", "-t");

    private ApiKeys() {
    }

    /**
     * @param args the command line
     * @return why it is refused, when it tries to pass an API key
     */
    static Optional<String> refusal(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                break; // what follows is operands: keys and values
            }
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (REFUSED.contains(name)) {
                return Optional.of(name + ": the API key is never taken from the command line (other users see it in ps,"
                        + " and it stays in shell history); set " + ENV + " or use --key-file FILE");
            }
        }
        return Optional.empty();
    }

    /**
     * @param keyFile the {@code --key-file}, or null
     * @param env     the environment
     * @return the API key
     * @throws UsageException when there is none, or the file cannot be read or holds none
     */
    static String resolve(Path keyFile, Map<String, String> env) {
        if (keyFile != null) {
            return fromFile(keyFile);
        }
        String key = env.get(ENV);
        if (key == null || key.isBlank()) {
            throw new UsageException("no API key: set " + ENV + " (e.g. source .captier/credentials.env) or use --key-file FILE");
        }
        return key.trim();
    }

    /**
     * The key is the file's content, trimmed; or, in a file of {@code NAME=value} lines such
     * as scripts/up's {@code .captier/credentials.env}, the value of {@code CAPTIER_TOKEN}.
     */
    private static String fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read the key file " + file + ": " + e.getMessage(), e);
        }
        for (String line : text.split("\\R")) {
            String l = line.trim();
            if (l.startsWith("export ")) {
                l = l.substring("export ".length()).trim();
            }
            if (l.startsWith(ENV + "=")) {
                return unquote(l.substring(ENV.length() + 1).trim());
            }
        }
        String key = text.trim();
        if (key.isEmpty() || key.contains("\n")) {
            throw new UsageException("the key file " + file + " holds no API key (the key alone, or a " + ENV + "= line)");
        }
        return key;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
