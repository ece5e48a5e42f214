package io.captier.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The topology and both profiles for a person (scripts/up): PostgreSQL primary + standby,
 * Redis master + 2 replicas + 3 sentinels, captier consistent on 5001 and available on
 * 5002 (CONSISTENT_PORT / AVAILABLE_PORT to change), NGINX in front of them (TLS with a dev
 * certificate), Prometheus and Alertmanager watching them (free ports), all on 127.0.0.1.
 *
 * <p>It stays up until told to stop, and takes orders for drills on a control port
 * (127.0.0.1 only, written to .captier/up.properties): scripts/ctl sends them.
 */
public final class Up {

    private final ProcessTopology topology;
    private final Map<String, AppInstance> instances = new LinkedHashMap<>();
    private NginxServer nginx;
    private MonitoringServers monitoring;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Up(ProcessTopology topology) {
        this.topology = topology;
    }

    public static void main(String[] args) throws Exception {
        int consistentPort = port("CONSISTENT_PORT", 5001);
        int availablePort = port("AVAILABLE_PORT", 5002);
        Path state = Path.of(args.length > 0 ? args[0] : ".captier");
        Files.createDirectories(state);

        Up up = new Up(ProcessTopology.start(ProcessTopology.Options.defaults().withBackups(60)));
        Runtime.getRuntime().addShutdownHook(new Thread(up::close, "captier-up-cleanup"));
        up.instance("consistent", consistentPort);
        up.instance("available", availablePort);
        up.stack();

        HttpServer control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/", up::handle);
        control.start();
        Files.writeString(state.resolve("up.properties"), "control.port=" + control.getAddress().getPort()
                + "\npid=" + ProcessHandle.current().pid() + "\n");
        writeCredentials(state.resolve("credentials.env"));
        System.out.println(up.banner());
        System.out.flush();
        up.stopped.await();
        control.stop(0);
        up.close();
        Files.deleteIfExists(state.resolve("up.properties"));
        Files.deleteIfExists(state.resolve("credentials.env"));
        System.out.println("captier: everything stopped");
        System.exit(0);
    }

    private void instance(String mode, int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " for the " + mode + " profile is taken; set "
                    + mode.toUpperCase() + "_PORT to another one", e);
        }
        Map<String, String> env = new HashMap<>(topology.appEnv());
        env.put("HTTP_PORT", Integer.toString(port));
        env.put("HTTP_HOST", "127.0.0.1");
        // NGINX connects from 127.0.0.2 (StackFiles.renderNginx): only its X-Forwarded-For is
        // believed, not that of a client on 127.0.0.1 talking to the instance directly.
        env.put("TRUSTED_PROXIES", StackFiles.NGINX_PROXY_ADDRESS);
        env.put("OTEL_SDK_DISABLED", System.getenv().getOrDefault("OTEL_SDK_DISABLED", "true"));
        env.put("LOG_JSON", System.getenv().getOrDefault("LOG_JSON", "false"));
        instances.put(mode, AppInstance.start(mode, mode, env));
    }

    /** NGINX, Prometheus and Alertmanager with the real files of nginx/ and monitoring/. */
    private void stack() {
        Map<String, java.util.List<String>> pools = new LinkedHashMap<>();
        instances.forEach((mode, app) -> pools.put(mode, java.util.List.of("127.0.0.1:" + app.port())));
        nginx = NginxServer.start(pools);
        monitoring = MonitoringServers.start(pools, java.time.Duration.ofSeconds(5), Map.of());
    }

    /** POST /{op}/{target}: kill, pause, resume, restart (nodes or the two instances), promote, reclone. */
    private void handle(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().replaceAll("^/+", "").split("/");
        String answer;
        int status = 200;
        try {
            answer = switch (parts[0]) {
                case "status", "" -> status();
                case "stop" -> {
                    stopped.countDown();
                    yield "stopping\n";
                }
                default -> act(parts[0], parts.length > 1 ? parts[1] : "");
            };
        } catch (RuntimeException e) {
            status = 400;
            answer = "error: " + e.getMessage() + "\n";
        }
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private String act(String op, String target) {
        if (op.equals("backup") || op.equals("backup-info") || op.equals("restore")) {
            return topology.backups().act(op, target); // scripts/backup, scripts/restore
        }
        AppInstance app = instances.get(target);
        if (app != null) {
            switch (op) {
                case "kill" -> app.kill();
                case "pause" -> app.pause();
                case "resume" -> app.resume();
                case "restart" -> app.restart();
                default -> throw new IllegalArgumentException(op + " does not apply to an instance");
            }
            return op + " " + target + ": done\n";
        }
        Topology.Node node = resolve(target);
        switch (op) {
            case "kill" -> topology.kill(node);
            case "pause" -> topology.pause(node);
            case "resume" -> topology.resume(node);
            case "restart" -> topology.restart(node);
            case "promote" -> topology.promote(node);
            case "reclone" -> topology.recloneAsStandby(node);
            default -> throw new IllegalArgumentException("unknown operation " + op
                    + " (kill, pause, resume, restart, promote, reclone)");
        }
        return op + " " + node.name() + ": done\n" + topology.describe();
    }

    /** Stable names (pg-a, redis-b, sentinel-c) or roles as they are now. */
    private Topology.Node resolve(String target) {
        return switch (target) {
            case "pg-primary" -> topology.pgPrimary();
            case "pg-standby" -> require(topology.pgStandbyLastKnown(), "no standby runs");
            case "redis-master" -> topology.redisMaster();
            case "redis-replica" -> topology.redisReplicas().get(0);
            default -> topology.node(target);
        };
    }

    private static Topology.Node require(Topology.Node node, String why) {
        if (node == null) {
            throw new IllegalArgumentException(why);
        }
        return node;
    }

    private String status() {
        StringBuilder sb = new StringBuilder(topology.describe());
        instances.forEach((mode, app) -> sb.append(String.format("%-10s captier  %-20s port=%-5d pid=%-7d %s%n",
                mode, mode, app.port(), app.pid(), app.isAlive() ? "running" : "stopped")));
        if (nginx != null) {
            sb.append(String.format("%-10s nginx    %-20s %s %s pid=%d%n", "nginx", "TLS", nginx.url("consistent"),
                    nginx.url("available"), nginx.pid()));
        }
        if (monitoring != null) {
            sb.append(String.format("%-10s monitor  %-20s %s%n", "prometheus", "", monitoring.prometheusUrl()));
            sb.append(String.format("%-10s monitor  %-20s %s%n", "alertmgr", "", monitoring.alertmanagerUrl()));
        }
        return sb.toString();
    }

    private String banner() {
        AppInstance cp = instances.get("consistent");
        AppInstance ap = instances.get("available");
        return """

                captier is up.

                  consistent (CP)  %s
                  available  (AP)  %s

                API keys made for this run (read+write, read-only, write-only) are in
                .captier/credentials.env, readable by you only. Try:
                  source .captier/credentials.env
                  curl -H "$CAPTIER_AUTH" -X POST %s/write/greeting/hello
                  curl -H "$CAPTIER_AUTH" %s/read/greeting
                  curl -H "$CAPTIER_AUTH" %s/read/greeting
                  curl -H "$CAPTIER_AUTH" %s/nodes

                Through NGINX (TLS with a self-signed dev certificate, rate limited):
                  curl -H "$CAPTIER_AUTH" --cacert %s %s/read/greeting   # consistent
                  curl -H "$CAPTIER_AUTH" --cacert %s %s/read/greeting   # available
                Prometheus %s   Alertmanager %s

                Drill (scripts/ctl OPERATION TARGET; targets: pg-primary, pg-standby, redis-master,
                redis-replica, a node name below, consistent, available):
                  scripts/ctl kill pg-primary      # CP answers 503, AP keeps answering
                  scripts/ctl promote pg-standby   # CP writes again
                  scripts/ctl status

                Stop everything: scripts/down

                %s""".formatted(cp.baseUrl(), ap.baseUrl(), ap.baseUrl(), cp.baseUrl(), ap.baseUrl(), ap.baseUrl(),
                nginx.certificate(), nginx.url("consistent"), nginx.certificate(), nginx.url("available"),
                monitoring.prometheusUrl(), monitoring.alertmanagerUrl(), status());
    }

    /** The run's API keys for a person's shell; only the owner may read them. */
    private static void writeCredentials(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // Exported, so that a sourced file reaches child processes too: scripts/captier reads
        // CAPTIER_TOKEN from its environment.
        Files.writeString(file, "# API keys of this scripts/up run (they die with it); source this file\n"
                + "export CAPTIER_TOKEN=" + Credentials.READ_WRITE + "\n"
                + "export CAPTIER_READ_TOKEN=" + Credentials.READ_ONLY + "\n"
                + "export CAPTIER_WRITE_TOKEN=" + Credentials.WRITE_ONLY + "\n"
                + "export CAPTIER_AUTH=\"Authorization: Bearer " + Credentials.READ_WRITE + "\"\n");
    }

    private synchronized void close() {
        if (nginx != null) {
            nginx.close();
        }
        if (monitoring != null) {
            monitoring.close();
        }
        instances.values().forEach(AppInstance::close);
        instances.clear();
        topology.close();
    }

    private static int port(String variable, int fallback) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
    }
}
