package io.captier.cluster.devstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.captier.cluster.app.AppEnv;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.process.ProcessTopology;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.TopologyOptions;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The topology and both profiles for a person (scripts/up): PostgreSQL primary + standby,
 * Redis master + 2 replicas + 3 sentinels, N captier instances per profile ({@code --instances N},
 * default 2: consistent-1.., available-1..; the first of each on 5001 / 5002, CONSISTENT_PORT /
 * AVAILABLE_PORT to change, the others on free ports), NGINX in front of them (TLS with a dev
 * certificate), Prometheus and Alertmanager watching them (free ports), all on 127.0.0.1.
 *
 * <p>It stays up until told to stop, and takes orders for drills on a control port
 * (127.0.0.1 only, written to .captier/up.properties): scripts/ctl sends them, one at a time.
 *
 * <p>{@code --faults}: the database nodes each in a network namespace of their own and every
 * instance on a clock that can be shifted, for scripts/ctl partition, heal and clock
 * ({@link UpFaults}; needs root, iproute2, nftables and faketime).
 */
public final class Up {

    private final ProcessTopology topology;
    /** One deployment: every instance shares its SECRET_KEY. */
    private final AppEnv appEnv;
    /** Null without --faults. */
    private final UpFaults faults;
    private static final List<String> PROFILES = List.of("consistent", "available");

    /** Every instance by name (consistent-1, ...), in the order they were started. */
    private final Map<String, AppInstance> instances = new LinkedHashMap<>();
    private NginxServer nginx;
    private MonitoringServers monitoring;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Up(ProcessTopology topology) {
        this.topology = topology;
        this.appEnv = AppEnv.of(topology);
        this.faults = topology.onNetwork() ? new UpFaults(topology) : null;
    }

    /** Arguments: {@code [--instances N] [--faults] [STATE_DIR]} (default 2, no faults, .captier). */
    public static void main(String[] args) throws Exception {
        Map<String, Integer> firstPorts = Map.of("consistent", port("CONSISTENT_PORT", 5001),
                "available", port("AVAILABLE_PORT", 5002));
        int perProfile = 2;
        Path state = Path.of(".captier");
        boolean withFaults = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--instances") && i + 1 < args.length) {
                perProfile = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--faults")) {
                withFaults = true;
            } else {
                state = Path.of(args[i]);
            }
        }
        if (perProfile < 1) {
            throw new IllegalArgumentException("--instances must be 1 or more");
        }
        Files.createDirectories(state);

        TopologyOptions options = TopologyOptions.defaults().withBackups(60);
        Up up = new Up(ProcessTopology.start(withFaults ? options.withNetwork() : options));
        Runtime.getRuntime().addShutdownHook(new Thread(up::close, "captier-up-cleanup"));
        // CAPTIER_UP_PARENT_PID: a test that ran scripts/up; when its JVM dies, everything stops.
        String parent = System.getenv("CAPTIER_UP_PARENT_PID");
        if (parent != null && !parent.isBlank()) {
            ProcessHandle.of(Long.parseLong(parent.trim())).ifPresentOrElse(
                    p -> p.onExit().thenRun(up.stopped::countDown), up.stopped::countDown);
        }
        for (String profile : PROFILES) {
            // The first keeps the well-known port; the port is checked before anything starts.
            up.instance(profile, firstPorts.get(profile));
        }
        for (int n = 2; n <= perProfile; n++) {
            for (String profile : PROFILES) {
                up.instance(profile, FreePorts.next());
            }
        }
        up.stack();

        HttpServer control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/", up::handle);
        control.start();
        Files.writeString(state.resolve("up.properties"), "control.port=" + control.getAddress().getPort()
                + "\npid=" + ProcessHandle.current().pid() + "\n");
        up.writeCredentials(state.resolve("credentials.env"));
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

    /** Starts the next instance of {@code mode} (name mode-N) on {@code port}; returns it once live. */
    private AppInstance instance(String mode, int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " for the " + mode + " profile is taken; set "
                    + mode.toUpperCase() + "_PORT to another one", e);
        }
        String name = mode + "-" + (of(mode).size() + 1);
        // NGINX connects from 127.0.0.2 (StackFiles.renderNginx): only its X-Forwarded-For is
        // believed, not that of a client on 127.0.0.1 talking to the instance directly.
        Map<String, String> env = appEnv.forDevStack(StackFiles.NGINX_PROXY_ADDRESS);
        env.put("HTTP_PORT", Integer.toString(port));
        if (faults != null) {
            env.putAll(faults.clockFor(name, topology.baseDir().resolve("clock-" + name)));
        }
        AppInstance app = AppInstance.start(name, mode, env);
        instances.put(name, app);
        return app;
    }

    /** The instances of one profile, first started first. */
    private List<AppInstance> of(String mode) {
        return instances.values().stream().filter(a -> a.mode().equals(mode)).toList();
    }

    /** NGINX, Prometheus and Alertmanager with the real files of nginx/ and monitoring/. */
    private void stack() {
        Map<String, List<String>> pools = new LinkedHashMap<>();
        for (String profile : PROFILES) {
            pools.put(profile, of(profile).stream().map(RollingRestart::address).toList());
        }
        nginx = NginxServer.start(pools);
        monitoring = MonitoringServers.start(pools, java.time.Duration.ofSeconds(5), Map.of());
    }

    /**
     * POST /{op}/{target}: kill, pause, resume, restart (nodes or instances), promote, reclone,
     * add-instance PROFILE, rolling-restart PROFILE|all. A rolling restart's lines are sent as they
     * happen (status 200 sent first); its last line is "rolling-restart: done" or starts with
     * "error:", which scripts/ctl turns into its exit status.
     */
    private void handle(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().replaceAll("^/+", "").split("/");
        if (parts[0].equals("rolling-restart")) {
            rollingRestart(exchange, parts.length > 1 ? parts[1] : "");
            return;
        }
        String answer;
        int status = 200;
        try {
            answer = switch (parts[0]) {
                case "status", "" -> status();
                case "stop" -> {
                    stopped.countDown();
                    yield "stopping\n";
                }
                case "partition", "heal", "clock" -> {
                    if (faults == null) {
                        throw new IllegalArgumentException(parts[0] + " needs the topology of scripts/up --faults");
                    }
                    yield faults.act(parts[0], List.of(parts).subList(1, parts.length));
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

    private void rollingRestart(HttpExchange exchange, String target) throws IOException {
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            Consumer<String> say = line -> {
                try {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException gone) {
                    // scripts/ctl went away; the restart goes on and its outcome is in up.log
                }
                System.out.println("rolling-restart: " + line);
            };
            try {
                List<AppInstance> chosen = switch (target) {
                    case "all" -> List.copyOf(instances.values());
                    case "consistent", "available" -> of(target);
                    default -> throw new IllegalArgumentException("rolling-restart takes consistent, available or all, not '"
                            + target + "'");
                };
                new RollingRestart(nginx, say, RollingRestart.Options.DEFAULT).run(chosen);
                say.accept("rolling-restart: done");
            } catch (RuntimeException e) {
                say.accept("error: " + e.getMessage());
            }
        }
    }

    /** Starts one more instance of {@code profile}, waits until it is ready, and adds it to NGINX's pool. */
    private String addInstance(String profile) {
        if (!PROFILES.contains(profile)) {
            throw new IllegalArgumentException("add-instance takes consistent or available, not '" + profile + "'");
        }
        AppInstance app = instance(profile, FreePorts.next());
        try {
            RollingRestart.awaitReady(app, RollingRestart.Options.DEFAULT.readyTimeout());
            nginx.add(profile, RollingRestart.address(app));
        } catch (RuntimeException e) {
            instances.remove(app.name());
            app.close();
            throw e;
        }
        return "add-instance " + app.name() + ": " + app.baseUrl() + " ready and in NGINX's " + profile
                + " pool (nginx reloaded)\n" + status();
    }

    private String act(String op, String target) {
        if (op.equals("backup") || op.equals("backup-info") || op.equals("restore")) {
            return topology.backups().act(op, target); // scripts/backup, scripts/restore
        }
        if (op.equals("add-instance")) {
            return addInstance(target);
        }
        // A profile's name means its first instance (the one on CONSISTENT_PORT / AVAILABLE_PORT).
        AppInstance app = PROFILES.contains(target) ? of(target).get(0) : instances.get(target);
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
                    + " (kill, pause, resume, restart, promote, reclone, add-instance, rolling-restart)");
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
        // One line per instance; the log path last, for awk's $NF (docs/runbook.md).
        instances.forEach((name, app) -> sb.append(String.format("%-13s captier  %-17s port=%-5d pid=%-7d %-7s pool=%-4s %s%n",
                name, app.mode(), app.port(), app.pid(), app.isAlive() ? "running" : "stopped",
                nginx == null ? "-" : nginx.isDown(RollingRestart.address(app)) ? "out" : "in", app.log())));
        if (nginx != null) {
            sb.append(String.format("%-10s nginx    %-20s %s %s pid=%d%n", "nginx", "TLS", nginx.url("consistent"),
                    nginx.url("available"), nginx.pid()));
        }
        if (faults != null) {
            sb.append("partitions: ").append(topology.partitions().cuts().isEmpty() ? "none" : faults.describeCuts())
                    .append('\n');
        }
        if (monitoring != null) {
            sb.append(String.format("%-10s monitor  %-20s %s%n", "prometheus", "", monitoring.prometheusUrl()));
            sb.append(String.format("%-10s monitor  %-20s %s%n", "alertmgr", "", monitoring.alertmanagerUrl()));
        }
        return sb.toString();
    }

    private String banner() {
        AppInstance cp = of("consistent").get(0);
        AppInstance ap = of("available").get(0);
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

                Through NGINX (TLS with a self-signed dev certificate, rate limited), balanced over
                every instance of the profile (see X-Instance-Id):
                  curl -H "$CAPTIER_AUTH" --cacert %s %s/read/greeting   # consistent
                  curl -H "$CAPTIER_AUTH" --cacert %s %s/read/greeting   # available
                Prometheus %s   Alertmanager %s

                Drill (scripts/ctl OPERATION TARGET; targets: pg-primary, pg-standby, redis-master,
                redis-replica, a node or instance name below, consistent, available = the first
                instance of the profile):
                  scripts/ctl kill pg-primary      # CP answers 503, AP keeps answering
                  scripts/ctl promote pg-standby   # CP writes again
                  scripts/ctl add-instance available
                  scripts/ctl rolling-restart all  # one instance at a time, out of NGINX's pool and back
                  scripts/ctl status
                %s
                Stop everything: scripts/down

                %s""".formatted(cp.baseUrl(), ap.baseUrl(), ap.baseUrl(), cp.baseUrl(), ap.baseUrl(), ap.baseUrl(),
                nginx.certificate(), nginx.url("consistent"), nginx.certificate(), nginx.url("available"),
                monitoring.prometheusUrl(), monitoring.alertmanagerUrl(), faults == null ? "" : """

                Faults (--faults: database nodes in network namespaces, instances on shiftable clocks):
                  scripts/ctl partition pg-primary instances   # CP refuses fast, AP buffers (202)
                  scripts/ctl partition redis-master sentinels,redis-replicas
                  scripts/ctl partition isolate pg-standby
                  scripts/ctl clock available-2 +10s
                  scripts/ctl heal
                """, status());
    }

    /** The run's API keys and addresses for a person's shell (and docs/runbook.md's commands);
     *  only the owner may read them. */
    private void writeCredentials(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // Exported, so that a sourced file reaches child processes too: scripts/captier reads
        // CAPTIER_TOKEN from its environment.
        Files.writeString(file, "# API keys of this scripts/up run (they die with it); source this file\n"
                + "export CAPTIER_TOKEN=" + Credentials.READ_WRITE + "\n"
                + "export CAPTIER_READ_TOKEN=" + Credentials.READ_ONLY + "\n"
                + "export CAPTIER_WRITE_TOKEN=" + Credentials.WRITE_ONLY + "\n"
                + "export CAPTIER_AUTH=\"Authorization: Bearer " + Credentials.READ_WRITE + "\"\n"
                + "export CAPTIER_CONSISTENT_URL=" + of("consistent").get(0).baseUrl() + "\n"
                + "export CAPTIER_AVAILABLE_URL=" + of("available").get(0).baseUrl() + "\n"
                + "export CAPTIER_URL=$CAPTIER_CONSISTENT_URL\n"
                + "export CAPTIER_NGINX_CONSISTENT_URL=" + nginx.url("consistent") + "\n"
                + "export CAPTIER_NGINX_AVAILABLE_URL=" + nginx.url("available") + "\n"
                + "export CAPTIER_CA=" + nginx.certificate().toAbsolutePath() + "\n"
                + "export CAPTIER_PROMETHEUS_URL=" + monitoring.prometheusUrl() + "\n"
                + "export CAPTIER_ALERTMANAGER_URL=" + monitoring.alertmanagerUrl() + "\n"
                + "# the Redis nodes' and sentinels' password, which redis-cli reads from here\n"
                + "export REDISCLI_AUTH=" + topology.storeEnv().get("REDIS_PASSWORD") + "\n");
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
