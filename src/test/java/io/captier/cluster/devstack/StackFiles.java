package io.captier.cluster.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The production stack's files (nginx/, monitoring/, scripts/dev-cert) as the local processes run
 * them: the real files, with only what cannot hold on this machine rewritten — service names become
 * 127.0.0.1 and free ports, container paths become temp directories. Each rewrite must match the
 * file, so a change of the real file that the rewrite no longer fits fails loudly instead of testing
 * something else.
 */
public final class StackFiles {

    /**
     * The loopback address the locally rendered NGINX connects to the instances from: not
     * 127.0.0.1, so that instances can trust NGINX's X-Forwarded-For (TRUSTED_PROXIES)
     * without trusting every local client.
     */
    public static final String NGINX_PROXY_ADDRESS = "127.0.0.2";

    /** The listen ports of nginx/nginx.conf, per profile. */
    public static final Map<String, Integer> NGINX_PORTS = Map.of("consistent", 8443, "available", 8444);

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern UPSTREAM = Pattern.compile(
            "(upstream (\\w+) \\{\\n(?:(?!\\s*server )[^\\n]*\\n)*?)((?:\\s*server [^;]+;\\n)+)");
    private static final Pattern SERVER_PARAMS = Pattern.compile("server \\S+( [^;]*)?;");

    private final Path root;

    private StackFiles(Path root) {
        this.root = root;
    }

    /** The files of the project this test runs in. */
    public static StackFiles project() {
        Path root = Binaries.projectRoot();
        if (root == null) {
            throw new IllegalStateException("no project root above " + System.getProperty("user.dir"));
        }
        return new StackFiles(root);
    }

    public Path root() {
        return root;
    }

    public Path path(String relative) {
        return root.resolve(relative);
    }

    /** One short command's outcome. */
    public record Result(int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n" + out + err;
        }
    }

    /** Runs a short command to completion (60 s at most) in {@code dir}. */
    public static Result run(List<String> command, Map<String, String> env, Path dir) {
        Processes.Result r = Processes.run(command, env, dir, Duration.ofSeconds(60));
        return new Result(r.exit(), r.out(), r.err());
    }

    /** scripts/dev-cert into {@code dir}: tls.crt and tls.key, self-signed for localhost and 127.0.0.1. */
    public Path devCert(Path dir) {
        Result r = run(List.of("bash", path("scripts/dev-cert").toString(), dir.toString()), Map.of(), root);
        if (!r.ok()) {
            throw new IllegalStateException("scripts/dev-cert failed: " + r);
        }
        return dir.resolve("tls.crt");
    }

    /**
     * Copies nginx/ into {@code target} and rewrites its nginx.conf for this machine: each profile's
     * upstream's servers become {@code pools} (profile -> host:port, the first server's parameters kept), the
     * listen ports become {@code listen} (profile -> port on 127.0.0.1), the certificate directory
     * {@code certDir}, the temp paths {@code cacheDir}. Returns the rendered nginx.conf.
     */
    public Path renderNginx(Path target, Map<String, List<String>> pools, Map<String, Integer> listen, Path certDir,
            Path cacheDir) {
        copyTree(path("nginx"), target);
        try {
            Files.createDirectories(cacheDir); // in a container, the tmpfs mounted there
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path conf = target.resolve("nginx.conf");
        String text = read(conf);
        Matcher m = UPSTREAM.matcher(text);
        StringBuilder out = new StringBuilder();
        Set<String> seen = new HashSet<>();
        while (m.find()) {
            String pool = m.group(2);
            if (!NGINX_PORTS.containsKey(pool)) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group())); // NGINX's own (a unix socket)
                continue;
            }
            List<String> servers = pools.get(pool);
            if (servers == null || servers.isEmpty()) {
                throw new IllegalArgumentException("no servers given for upstream " + pool);
            }
            Matcher params = SERVER_PARAMS.matcher(m.group(3));
            String parameters = params.find() && params.group(1) != null ? params.group(1) : "";
            String lines = servers.stream().map(s -> "        server " + s + parameters + ";\n").collect(Collectors.joining());
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + lines));
            seen.add(pool);
        }
        m.appendTail(out);
        if (!seen.equals(pools.keySet())) {
            throw new IllegalStateException("nginx.conf has upstreams " + seen + ", expected " + pools.keySet());
        }
        text = out.toString();
        for (Map.Entry<String, Integer> e : listen.entrySet()) {
            text = replace(text, "listen " + NGINX_PORTS.get(e.getKey()) + " ssl;", "listen 127.0.0.1:" + e.getValue() + " ssl;");
        }
        text = replace(text, "/etc/nginx/certs/", certDir + "/");
        text = replace(text, "/var/cache/nginx/", cacheDir + "/");
        write(conf, text);
        Path proxied = target.resolve("snippets/captier-proxied.conf");
        write(proxied, read(proxied) + "proxy_bind " + NGINX_PROXY_ADDRESS + ";\n");
        return conf;
    }

    /** nginx with the rendered config: {@code -t} to test it, else in the foreground. */
    public static List<String> nginxCommand(Path conf, Path runDir, boolean test) {
        String globals = "pid " + runDir.resolve("nginx.pid") + ";" + (test ? "" : " daemon off;");
        List<String> cmd = new java.util.ArrayList<>(List.of("nginx", "-p", runDir.toString(), "-c", conf.toString(),
                "-e", runDir.resolve("error.log").toString(), "-g", globals));
        if (test) {
            cmd.add("-t");
        }
        return cmd;
    }

    /** nginx -s {@code signal} (reload, quit, ...) to the master that runs with the rendered config. */
    public static List<String> nginxSignal(Path conf, Path runDir, String signal) {
        return List.of("nginx", "-p", runDir.toString(), "-c", conf.toString(), "-e", runDir.resolve("error.log").toString(),
                "-g", "pid " + runDir.resolve("nginx.pid") + ";", "-s", signal);
    }

    /**
     * Writes monitoring/prometheus.yml and monitoring/alerts.yml into {@code target} for local
     * servers: the captier job's targets per profile label, the Alertmanager, Prometheus' own address,
     * one scrape and evaluation interval, and the alerts' "for" replaced where {@code forOverrides}
     * names them (the real durations are proven by promtool test rules). Returns prometheus.yml.
     */
    public Path renderPrometheus(Path target, Map<String, List<String>> captierTargets, String self,
            String alertmanager, Duration interval, Map<String, Duration> forOverrides) {
        try {
            Files.createDirectories(target);
            ObjectNode config = (ObjectNode) YAML.readTree(path("monitoring/prometheus.yml").toFile());
            ObjectNode global = (ObjectNode) config.get("global");
            String seconds = interval.toSeconds() + "s";
            global.put("scrape_interval", seconds);
            global.put("scrape_timeout", seconds);
            global.put("evaluation_interval", seconds);
            setTargets(only(config.get("alerting").get("alertmanagers")).get("static_configs"), List.of(alertmanager));
            Set<String> profiles = new HashSet<>();
            for (JsonNode job : config.get("scrape_configs")) {
                String name = job.get("job_name").asText();
                switch (name) {
                    case "captier" -> {
                        for (JsonNode group : job.get("static_configs")) {
                            String profile = group.get("labels").get("profile").asText();
                            List<String> targets = captierTargets.get(profile);
                            if (targets == null) {
                                throw new IllegalArgumentException("no targets given for profile " + profile);
                            }
                            ((ObjectNode) group).set("targets", array(targets));
                            profiles.add(profile);
                        }
                    }
                    case "prometheus" -> setTargets(job.get("static_configs"), List.of(self));
                    case "alertmanager" -> setTargets(job.get("static_configs"), List.of(alertmanager));
                    default -> throw new IllegalStateException("prometheus.yml has a job this rendering does not know: "
                            + name);
                }
            }
            if (!profiles.equals(captierTargets.keySet())) {
                throw new IllegalStateException("prometheus.yml scrapes profiles " + profiles + ", expected "
                        + captierTargets.keySet());
            }
            YAML.writeValue(target.resolve("prometheus.yml").toFile(), config);

            ObjectNode rules = (ObjectNode) YAML.readTree(path("monitoring/alerts.yml").toFile());
            Map<String, Duration> left = new LinkedHashMap<>(forOverrides);
            for (JsonNode group : rules.get("groups")) {
                for (JsonNode rule : group.get("rules")) {
                    Duration d = left.remove(rule.get("alert").asText());
                    if (d != null) {
                        ((ObjectNode) rule).put("for", d.toSeconds() + "s");
                    }
                }
            }
            if (!left.isEmpty()) {
                throw new IllegalArgumentException("alerts.yml has no alert " + left.keySet());
            }
            YAML.writeValue(target.resolve("alerts.yml").toFile(), rules);
            return target.resolve("prometheus.yml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode only(JsonNode array) {
        if (array == null || array.size() != 1) {
            throw new IllegalStateException("expected exactly one entry: " + array);
        }
        return array.get(0);
    }

    private static void setTargets(JsonNode staticConfigs, List<String> targets) {
        ((ObjectNode) only(staticConfigs)).set("targets", array(targets));
    }

    private static ArrayNode array(List<String> values) {
        ArrayNode a = YAML.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    private static String replace(String text, String from, String to) {
        if (!text.contains(from)) {
            throw new IllegalStateException("the real config no longer contains '" + from + "'");
        }
        return text.replace(from, to);
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else if (!from.relativize(p).startsWith("certs")) {
                    Files.copy(p, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
