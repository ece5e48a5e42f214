package io.captier.cluster.devstack;

import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * NGINX (Debian's binary) with the real nginx/ config in front of local captier instances: the
 * upstream pools rewritten to the instances' addresses, TLS on a free 127.0.0.1 port per profile
 * with a certificate scripts/dev-cert makes. Used by the tests and by scripts/up.
 *
 * <p>Its pools can change while it runs ({@link #add}, {@link #setDown}): the config is rendered
 * again, checked with {@code nginx -t}, and loaded with {@code nginx -s reload}, NGINX's own graceful
 * reload: new workers take new connections with the new pools, the old ones finish the requests
 * they hold and exit. A refused config changes nothing.
 */
public final class NginxServer implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    /** How long a reload may take until the new workers run, and the old ones have finished. */
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final Watchdog watchdog;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Path certificate;
    /** profile -> host:port of every instance in its upstream, in order. */
    private final Map<String, List<String>> pools = new LinkedHashMap<>();
    /** host:port of the instances marked {@code down} (kept in the pool, sent nothing). */
    private final Set<String> down = new HashSet<>();
    private OsProcess process;
    private boolean closed;

    /**
     * Starts NGINX and returns once it accepts TLS connections.
     *
     * @param pools profile ("consistent", "available") -> the instances' host:port
     */
    public static NginxServer start(Map<String, List<String>> pools) {
        Binaries.requireStackTools();
        return StackProcesses.started(new NginxServer(), n -> n.launch(pools));
    }

    private NginxServer() {
        dir = StackProcesses.newDir("captier-nginx-");
        watchdog = Watchdog.start(dir);
        certificate = StackFiles.project().devCert(dir.resolve("certs"));
    }

    private void launch(Map<String, List<String>> given) {
        given.forEach((profile, servers) -> pools.put(profile, new ArrayList<>(servers)));
        for (int attempt = 1; ; attempt++) {
            for (String profile : StackFiles.NGINX_PORTS.keySet()) {
                ports.put(profile, FreePorts.next());
            }
            Path conf = renderAndTest(dir.resolve("conf"));
            process = StackProcesses.launch("nginx", StackFiles.nginxCommand(conf, dir, false), dir.resolve("nginx.log"),
                    dir, Map.of(), watchdog, () -> ports.values().stream().allMatch(StackProcesses::accepts),
                    READY_TIMEOUT);
            if (process != null) {
                return;
            }
            if (attempt == 3) {
                throw new IllegalStateException("nginx did not start (3 attempts):\n" + logTail(30));
            }
        }
    }

    private Path renderAndTest(Path target) {
        Map<String, List<String>> servers = new LinkedHashMap<>();
        pools.forEach((profile, addresses) -> servers.put(profile, addresses.stream()
                .map(a -> down.contains(a) ? a + " down" : a).toList()));
        Processes.deleteTree(target);
        Path conf = StackFiles.project().renderNginx(target, servers, ports, dir.resolve("certs"), dir.resolve("cache"));
        StackFiles.Result test = StackFiles.run(StackFiles.nginxCommand(conf, dir, true), Map.of(), dir);
        if (!test.ok()) {
            throw new IllegalStateException("nginx -t refuses the rendered nginx/nginx.conf: " + test);
        }
        return conf;
    }

    /**
     * Adds an instance to the end of a profile's pool and reloads NGINX.
     *
     * @param address host:port
     * @throws IllegalArgumentException for an unknown profile or an address already in a pool
     * @throws IllegalStateException    when NGINX refuses the config or does not reload (the pool is
     *                                  then as it was)
     */
    public synchronized void add(String profile, String address) {
        List<String> pool = pool(profile);
        if (pools.values().stream().anyMatch(p -> p.contains(address))) {
            throw new IllegalArgumentException(address + " is in a pool already");
        }
        pool.add(address);
        try {
            reload();
        } catch (RuntimeException e) {
            pool.remove(address);
            throw e;
        }
    }

    /**
     * Marks an instance of a pool {@code down} (NGINX sends it no new request) or serving again, and
     * reloads NGINX. Returns once the new workers run with it and the old workers, which may still
     * have been sending it requests, have finished them and exited.
     *
     * @throws IllegalArgumentException when the address is in no pool of {@code profile}
     * @throws IllegalStateException    when NGINX does not reload (the mark is then as it was)
     */
    public synchronized void setDown(String profile, String address, boolean isDown) {
        if (!pool(profile).contains(address)) {
            throw new IllegalArgumentException(address + " is not in the " + profile + " pool " + pools.get(profile));
        }
        boolean was = down.contains(address);
        if (was == isDown) {
            return;
        }
        if (isDown) {
            down.add(address);
        } else {
            down.remove(address);
        }
        try {
            reload();
        } catch (RuntimeException e) {
            if (was) {
                down.add(address);
            } else {
                down.remove(address);
            }
            throw e;
        }
    }

    /** Whether {@code address} is marked down in its pool. */
    public synchronized boolean isDown(String address) {
        return down.contains(address);
    }

    /** profile -> host:port of its pool's instances (those marked down too), a copy. */
    public synchronized Map<String, List<String>> pools() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        pools.forEach((profile, addresses) -> copy.put(profile, List.copyOf(addresses)));
        return copy;
    }

    private List<String> pool(String profile) {
        List<String> pool = pools.get(profile);
        if (pool == null) {
            throw new IllegalArgumentException("no pool " + profile + " (" + pools.keySet() + ")");
        }
        return pool;
    }

    /**
     * Renders and tests the config beside the running one, swaps it in, signals the master and waits
     * until new workers run and the old ones are gone. A config nginx -t refuses is never loaded.
     */
    private void reload() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("nginx does not run");
        }
        Path next = renderAndTest(dir.resolve("conf-next"));
        Path conf = dir.resolve("conf");
        Processes.deleteTree(conf);
        try {
            Files.move(next.getParent(), conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot put the new nginx config in place", e);
        }
        Set<Long> before = workers();
        StackFiles.Result r = StackFiles.run(StackFiles.nginxSignal(conf.resolve("nginx.conf"), dir, "reload"), Map.of(),
                dir);
        if (!r.ok()) {
            throw new IllegalStateException("nginx -s reload failed: " + r);
        }
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        while (true) {
            Set<Long> now = workers();
            boolean renewed = now.stream().anyMatch(pid -> !before.contains(pid));
            boolean oldGone = now.stream().noneMatch(before::contains);
            if (renewed && oldGone) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nginx did not finish its reload within " + RELOAD_TIMEOUT.toSeconds()
                        + " s (workers before " + before + ", now " + now + "):\n" + logTail(20));
            }
            Processes.sleep(20);
        }
    }

    /** The master's worker processes now. */
    private Set<Long> workers() {
        return ProcessHandle.of(process.pid).map(h -> h.children().map(ProcessHandle::pid)
                .collect(Collectors.toSet())).orElse(Set.of());
    }

    /** https://127.0.0.1:PORT of the profile's pool. */
    public String url(String profile) {
        Integer port = ports.get(profile);
        if (port == null) {
            throw new IllegalArgumentException("no pool " + profile);
        }
        return "https://127.0.0.1:" + port;
    }

    public int port(String profile) {
        return ports.get(profile);
    }

    /** The self-signed certificate NGINX serves (PEM). */
    public Path certificate() {
        return certificate;
    }

    /** A TLS context that trusts {@link #certificate()} and nothing else. */
    public SSLContext tls() {
        try (InputStream in = Files.newInputStream(certificate)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("captier-dev", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the development certificate cannot be trusted", e);
        }
    }

    public long pid() {
        return process == null ? -1 : process.pid;
    }

    public String logTail(int lines) {
        return Processes.tail(dir.resolve("nginx.log"), lines) + "\n" + Processes.tail(dir.resolve("error.log"), lines);
    }

    /** SIGQUIT (graceful: in-flight requests finish), kill -9 after 5 s; the directory goes too. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        StackProcesses.stop(process, "QUIT", watchdog, dir);
    }
}
