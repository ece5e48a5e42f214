package io.captier.cluster;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NGINX (Debian's binary) with the real nginx/ config in front of local captier instances: the
 * upstream pools rewritten to the instances' addresses, TLS on a free 127.0.0.1 port per profile
 * with a certificate scripts/dev-cert makes. Used by the tests and by scripts/up.
 */
public final class NginxServer implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final Watchdog watchdog;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Path certificate;
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

    private void launch(Map<String, List<String>> pools) {
        StackFiles files = StackFiles.project();
        for (int attempt = 1; ; attempt++) {
            for (String profile : StackFiles.NGINX_PORTS.keySet()) {
                ports.put(profile, FreePorts.next());
            }
            Path conf = files.renderNginx(dir.resolve("conf"), pools, ports, dir.resolve("certs"), dir.resolve("cache"));
            StackFiles.Result test = StackFiles.run(StackFiles.nginxCommand(conf, dir, true), Map.of(), dir);
            if (!test.ok()) {
                throw new IllegalStateException("nginx -t refuses the rendered nginx/nginx.conf: " + test);
            }
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
