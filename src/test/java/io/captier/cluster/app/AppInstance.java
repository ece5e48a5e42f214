package io.captier.cluster.app;

import io.captier.cluster.network.Host;
import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One captier service instance as a child process: {@code java -jar quarkus-run.jar} from
 * {@code -Dcaptier.app.dir} (default {@code target/quarkus-app} of the project), in its own session, with
 * its own temp directory holding its log and hint directory. A watchdog removes it if the test JVM dies.
 *
 * <p>Extra JVM options for the instance: {@code -Dcaptier.app.jvmArgs} (space separated; default
 * {@link #JVM_ARGS}: a small heap and C1 only, since several instances and the stores share a
 * 2-core machine). The java binary:
 * {@code -Dcaptier.app.java} (default the test JVM's own), e.g. a JDK 25 for the benchmark's start-up runs.
 */
public final class AppInstance implements AutoCloseable {

    /**
     * How every harness instance runs (tests, drill, soak, scripts/up) unless
     * {@code -Dcaptier.app.jvmArgs} says otherwise: C1 only, no C2 compiler threads, on two
     * cores shared by a topology, the tests and up to four instances. A restarted instance
     * with full tiered JIT spent its first seconds compiling: its first requests reached the
     * resource 2 s late and ended together, and consistent refusals took up to 5.5 s in the
     * soak (docs/decisions.md). What the instances do is the same; how fast it runs is the
     * benchmark's business (scripts/bench runs full JIT).
     */
    public static final String JVM_ARGS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";


    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String mode;
    private final int port;
    private final Map<String, String> env;
    private final Path dir;
    private final Path log;
    private final Watchdog watchdog;
    /** The network namespace the instance runs in, or null: the root namespace, on 127.0.0.1. */
    private final Host netHost;
    private final Thread shutdownHook;
    private volatile OsProcess process;
    private boolean closed;

    /**
     * Starts an instance and waits until {@code GET /health/live} answers 200.
     *
     * @param mode "consistent" or "available" (APP_MODE)
     * @param env  e.g. {@link AppEnv#forTests()} with overlays; wins over the instance's own values
     *             APP_MODE, HTTP_PORT (a free port), INSTANCE_ID (= name), HINT_LOG_DIR and SHUTDOWN_DELAY
     *             ({@link AppEnv#forInstance})
     */
    public static AppInstance start(String name, String mode, Map<String, String> env) {
        return start(name, mode, env, null);
    }

    /**
     * Like {@link #start(String, String, Map)} but inside {@code host}'s network namespace, listening
     * on the host's address (HTTP_HOST), so that a {@code ProcessTopology} on a harness network can cut
     * it off; {@code host} null means the root namespace and 127.0.0.1.
     */
    public static AppInstance start(String name, String mode, Map<String, String> env, Host host) {
        AppInstance app = new AppInstance(name, mode, env, host);
        try {
            app.launchAndAwaitHealthy();
            return app;
        } catch (RuntimeException | Error e) {
            app.close();
            throw e;
        }
    }

    private AppInstance(String name, String mode, Map<String, String> givenEnv, Host host) {
        this.name = name;
        this.mode = mode;
        this.netHost = host;
        try {
            dir = Files.createTempDirectory("captier-app-" + name + "-");
            Files.createDirectories(dir.resolve(name).resolve("hints"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log = dir.resolve(name + ".log");
        env = AppEnv.forInstance(name, mode, dir.resolve(name).resolve("hints"), givenEnv, host);
        port = Integer.parseInt(env.get("HTTP_PORT"));
        watchdog = Watchdog.start(dir);
        shutdownHook = new Thread(this::close, "captier-app-" + name + "-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void launchAndAwaitHealthy() {
        launchAndAwaitHealthy(HEALTH_TIMEOUT);
    }

    private void launchAndAwaitHealthy(Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("captier.app.java", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : System.getProperty("captier.app.jvmArgs", JVM_ARGS).split("\\s+")) {
            if (!arg.isBlank()) {
                cmd.add(arg);
            }
        }
        cmd.add("-jar");
        cmd.add(appDir().resolve("quarkus-run.jar").toString());
        OsProcess p = OsProcess.launch(netHost == null ? cmd : netHost.exec(cmd), log, dir, env, watchdog);
        process = p;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("captier instance " + name + " exited before it was healthy; last log lines:\n"
                        + logTail(50));
            }
            if (healthy()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                p.kill();
                throw new IllegalStateException("captier instance " + name + " not healthy on port " + port + " after "
                        + timeout.toSeconds() + " s; last log lines:\n" + logTail(50));
            }
            Processes.sleep(200);
        }
    }

    private boolean healthy() {
        return answers200("/health/live");
    }

    /** Whether {@code GET /health/ready} answers 200 now: the instance can keep its contract. */
    public boolean ready() {
        return answers200("/health/ready");
    }

    private boolean answers200(String path) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .timeout(Duration.ofSeconds(2)).GET().build();
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code -Dcaptier.app.dir}, else target/quarkus-app of the project root (or of user.dir). */
    static Path appDir() {
        String configured = System.getProperty("captier.app.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path root = Binaries.projectRoot();
        return (root != null ? root : Path.of(System.getProperty("user.dir"))).resolve("target/quarkus-app");
    }

    public String name() {
        return name;
    }

    public String mode() {
        return mode;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://" + (netHost == null ? "127.0.0.1" : netHost.address()) + ":" + port;
    }

    /** The environment the instance runs with (defaults merged with the given env). */
    public Map<String, String> env() {
        return env;
    }

    public Path log() {
        return log;
    }

    /** The instance's hint directory (HINT_LOG_DIR). */
    public Path hintDir() {
        return Path.of(env.get("HINT_LOG_DIR"));
    }

    public String logTail(int lines) {
        return Processes.tail(log, lines);
    }

    /**
     * The instance's threads and their stacks ({@code jcmd PID Thread.print} of the JDK the
     * instance runs on), for a report when the instance stops making progress.
     *
     * @return the dump, or one line saying why there is none (not running, no JVM found, jcmd failed)
     */
    public String threadDump() {
        try {
            return jcmd("Thread.print");
        } catch (RuntimeException e) {
            return "(" + e.getMessage() + ")"; // a report's extra, never the failure it reports
        }
    }

    /**
     * Runs one {@code jcmd} command on the instance's JVM, with the jcmd of the JDK it runs on
     * (captier.app.java may name another than the tests').
     *
     * @param command the diagnostic command and its arguments, e.g. {@code Thread.print}
     * @return what jcmd printed
     * @throws IllegalStateException the instance is not running, no JVM was found under it, or
     *                               jcmd failed (the message says which)
     */
    public String jcmd(String... command) {
        OsProcess p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("not running");
        }
        // The launched process is the JVM (ip netns exec and setsid exec in place; faketime is a
        // preloaded library); its descendants are searched too, in case a wrapper forks.
        ProcessHandle jvm = ProcessHandle.of(p.pid).stream().flatMap(h -> Stream.concat(Stream.of(h), h.descendants()))
                .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().orElseThrow(() -> new IllegalStateException("no java process under pid " + p.pid));
        Path bin = Path.of(jvm.info().command().orElseThrow()).getParent();
        List<String> cmd = new java.util.ArrayList<>(List.of(bin.resolve("jcmd").toString(), Long.toString(jvm.pid())));
        cmd.addAll(List.of(command));
        Processes.Result r = Processes.run(cmd, Map.of(), null, Duration.ofSeconds(20));
        if (!r.ok()) {
            throw new IllegalStateException("jcmd failed, exit " + r.exit() + ": " + r.err().strip());
        }
        return r.out();
    }

    public long pid() {
        OsProcess p = process;
        return p == null ? -1 : p.pid;
    }

    public boolean isAlive() {
        OsProcess p = process;
        return p != null && p.isAlive();
    }

    /** kill -9: a crash, no shutdown hooks in the instance. */
    public void kill() {
        OsProcess p = process;
        if (p != null) {
            p.kill();
        }
    }

    /** SIGSTOP: its sockets stay open but it answers nothing. */
    public void pause() {
        OsProcess p = process;
        if (p != null) {
            p.pause();
        }
    }

    public void resume() {
        OsProcess p = process;
        if (p != null) {
            p.resume();
        }
    }

    /** Starts the instance again with the same port, env and hint directory (stopping it first if it
     *  still runs) and waits until it is healthy. The log is appended to. */
    public void restart() {
        if (isAlive()) {
            stop();
        }
        launchAndAwaitHealthy();
    }

    /** SIGTERM (a graceful Quarkus shutdown), kill -9 after 15 s. */
    public void stop() {
        stop(STOP_GRACE);
    }

    /**
     * SIGTERM, and kill -9 if the instance has not exited after {@code grace}.
     *
     * @return true when it exited by itself within {@code grace} (or was not running)
     */
    public boolean stop(Duration grace) {
        OsProcess p = process;
        return p == null || p.terminate("TERM", grace);
    }

    /**
     * Starts a stopped instance again with the same port, env and hint directory and waits until
     * {@code /health/live} answers (not readiness: see {@link #ready()}). The log is appended to.
     *
     * @throws IllegalStateException when it still runs, exits early or is not healthy within {@code timeout}
     */
    public void startAgain(Duration timeout) {
        if (isAlive()) {
            throw new IllegalStateException(name + " still runs (pid " + pid() + ")");
        }
        launchAndAwaitHealthy(timeout);
    }

    /** Stops the instance, its watchdog, and removes its directory (unless -Dcaptier.topology.keep=true). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stop();
        watchdog.close();
        if (Boolean.getBoolean("captier.topology.keep")) {
            System.err.println("captier app " + name + ": kept " + dir);
        } else {
            Processes.deleteTree(dir);
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway and finds us closed
            }
        }
    }

    @Override
    public String toString() {
        return name + "(" + mode + ", " + baseUrl() + ")";
    }
}
