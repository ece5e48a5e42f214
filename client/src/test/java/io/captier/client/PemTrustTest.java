package io.captier.client;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** https against a self-signed certificate, as the dev NGINX serves: trusted only through its PEM. */
class PemTrustTest {

    @Test
    void trustsExactlyTheGivenCertificate(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Path pem = dir.resolve("tls.crt");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=captier-dev", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "test-pass");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(), "-storepass", "test-pass",
                "-file", pem.toString());

        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext(keystore)));
        server.createContext("/", ScriptedServer.value("k", "over-tls", 1)::answer);
        server.start();
        try {
            String uri = "https://localhost:" + server.getAddress().getPort();
            CaptierClient trusting = CaptierClient.builder().baseUri(uri).apiKey("k")
                    .sslContext(PemTrust.sslContext(pem)).build();
            assertEquals("over-tls", trusting.read("k").orElseThrow().text());

            CaptierClient defaultTrust = CaptierClient.builder().baseUri(uri).apiKey("k").maxAttempts(3)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            ConnectionFailedException e = assertThrows(ConnectionFailedException.class, () -> defaultTrust.read("k"));
            assertFalse(e.retryable(), "a certificate does not change by retrying");
            assertEquals(1, e.attempts());
            assertEquals(7, io.captier.client.cli.ExitCode.of(e), "a configuration error, not unavailability");
            assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aFileWithoutACertificateIsRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        assertThrows(java.security.GeneralSecurityException.class, () -> PemTrust.sslContext(empty));
    }

    private static SSLContext serverContext(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "test-pass".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "test-pass".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
    }
}
