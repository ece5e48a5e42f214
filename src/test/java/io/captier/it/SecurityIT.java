package io.captier.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology;
import io.captier.cluster.topology.Topology.Kind;
import io.captier.cluster.topology.Topology.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who gets in, on the real topology: the stores let only the service's credentials in,
 * the service refuses to start on secrets it cannot trust, and no secret ever reaches a
 * log line, whatever failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    private Stack stack;
    private AppInstance consistent;
    private AppInstance available;

    @BeforeAll
    void start() {
        stack = Stack.start();
        consistent = stack.instance("sec-cp", "consistent");
        // One instance logs JSON, as in production, so both log formats are scanned.
        available = stack.instance("sec-ap", "available", Map.of("LOG_JSON", "true"));
        stack.register(logs);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theStoresLetOnlyTheServiceRoleInAndItOwnsNothingButItsSchema() {
        Topology t = stack.topology;
        Node pg = t.pgPrimary();
        assertEquals(List.of(List.of("f", "f", "f", "f", "t")), t.sql(pg, "SELECT rolsuper, rolcreatedb, rolcreaterole, "
                + "rolreplication, rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'captier'"));
        assertEquals(List.of(List.of("captier")), t.sql(pg,
                "SELECT nspname FROM pg_namespace WHERE nspowner = 'captier'::regrole"), "its schema and nothing else");
        assertEquals(List.of(List.of("0")), t.sql(pg, "SELECT count(*) FROM pg_database WHERE datdba = 'captier'::regrole"));
        assertEquals(List.of(List.of("0")), t.sql(pg, "SELECT count(*) FROM pg_hba_file_rules "
                + "WHERE type LIKE 'host%' AND auth_method <> 'scram-sha-256'"), "every TCP login needs a scram password");
        assertEquals(List.of(List.of("t")), t.sql(pg, "SELECT count(*) > 0 FROM pg_tables WHERE schemaname = 'captier' "
                + "AND tableowner = 'captier' AND tablename = 'kv'"), "the migrations ran as the service role");
        for (Node node : t.nodes()) {
            if (node.kind() != Kind.POSTGRES) {
                assertTrue(unauthenticatedPing(node).startsWith("-NOAUTH"), node.name() + " answers without a password");
            }
        }
    }

    @Test
    void theServiceRefusesToStartOnSecretsItCannotTrust() {
        Map<String, String> good = stack.env();
        // One packaged start per way of refusing (a JVM start costs seconds on two cores); the
        // variants of each rule are unit tests: StartupChecksTest, ApiKeysTest.
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("SECRET_KEY=change-me-change-me-change-me-change-me", "SECRET_KEY must be set");
        cases.put("API_KEYS=ops:admin:" + "ab".repeat(32), "unknown role");
        cases.put("REDIS_PASSWORD=", "DATABASE_PASSWORD and REDIS_PASSWORD must be set");
        cases.forEach((setting, reason) -> {
            Map<String, String> env = new HashMap<>(good);
            String[] kv = setting.split("=", 2);
            env.put(kv[0], kv[1]);
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> AppInstance.start("sec-refused", "consistent", env).close(), setting);
            assertTrue(refused.getMessage().contains(reason), setting + " -> " + refused.getMessage());
            if (kv[0].equals("SECRET_KEY") && !kv[1].isEmpty()) {
                assertFalse(refused.getMessage().contains(kv[1]), "the refused secret is not logged");
            }
        });
    }

    @Test
    void noSecretReachesALogLineWhateverFailed() throws IOException {
        Client cp = new Client(consistent.baseUrl());
        Client ap = new Client(available.baseUrl());
        String wrongKey = Credentials.token();
        List<String> secrets = new ArrayList<>(List.of(Credentials.READ_WRITE, Credentials.READ_ONLY,
                Credentials.WRITE_ONLY, wrongKey));
        for (String name : List.of("SECRET_KEY", "DATABASE_PASSWORD", "REDIS_PASSWORD")) {
            secrets.add(stack.env().get(name));
        }

        // Authentication failures of every kind, on both profiles.
        for (Client c : List.of(cp, ap)) {
            assertEquals(401, c.as(wrongKey).write("sec", "v").status());
            assertEquals(401, c.as(null).read("sec", "Authorization", "Basic " + Credentials.READ_WRITE).status());
            assertEquals(403, c.as(Credentials.READ_ONLY).write("sec", "v").status());
            assertEquals(403, c.as(Credentials.WRITE_ONLY).read("sec").status());
            String session = c.write("sec", "v").header("X-Session-Token");
            assertEquals(400, c.as(Credentials.WRITE_ONLY).write("sec", "v", "X-Session-Token", session).status());
        }
        // Store failures: the Redis master and the PostgreSQL primary die under traffic, then come back.
        Topology t = stack.topology;
        Node master = t.redisMaster();
        t.kill(master);
        Node primary = t.pgPrimary();
        t.kill(primary);
        List<Client.Answer> refusals = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            refusals.add(cp.write("sec-" + i, "v"));
            refusals.add(cp.read("sec-" + i));
            ap.write("sec-" + i, "v");
            ap.read("sec-" + i);
            refusals.add(ap.read("sec-" + i, "X-Max-Staleness-Ms", "0"));
            refusals.add(cp.get("/health/ready"));
            refusals.add(ap.get("/health"));
        }
        assertTrue(refusals.stream().anyMatch(a -> a.status() == 503), "the dead stores were refused on: " + refusals);
        for (Client.Answer answer : refusals) {
            assertTellsNoTopology(answer, t);
        }
        t.restart(primary);
        t.restart(master);
        await("both instances serve again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> cp.write("sec-after", "v").status() == 200 && ap.write("sec-after", "v").status() == 200);

        for (AppInstance app : List.of(consistent, available)) {
            String log = Files.readString(app.log(), StandardCharsets.UTF_8);
            assertTrue(log.contains("AUTH_FAILURE"), app.name() + " logged its authentication failures");
            assertTrue(log.contains("DB_CONNECT_FAILURE"), app.name() + " logged its store failures");
            for (String secret : secrets) {
                assertFalse(log.contains(secret), app.name() + "'s log holds a secret (" + secret.length() + " chars)");
            }
        }
    }

    /**
     * The JSON instance logs ECS lines with each event's data as fields of the line's
     * {@code mdc} object (docs/decisions.md, Logs): the audit of a write, an authentication
     * failure; never the credential, never the value.
     */
    @Test
    void theJsonLogCarriesEachEventsFieldsAndNoSecret() throws IOException {
        Client ap = new Client(available.baseUrl());
        String value = "logged-" + Credentials.token();
        Client.Answer written = ap.write("logged-key", value);
        assertEquals(200, written.status(), written.toString());
        assertEquals(200, ap.read("logged-key").status());
        assertEquals(401, ap.as(null).read("logged-key").status());

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(available.log(), StandardCharsets.UTF_8)) {
            assertFalse(line.contains(Credentials.READ_WRITE), "a log line holds the API key");
            assertFalse(line.contains(value), "a log line holds the stored value");
            if (line.startsWith("{")) {
                lines.add(json.readTree(line));
            }
        }
        JsonNode audit = lines.stream()
                .filter(l -> "logged-key".equals(l.path("mdc").path("captier.key").asText(null)))
                .findFirst().orElseThrow(() -> new AssertionError("no audit line for the write"));
        JsonNode fields = audit.path("mdc");
        assertEquals("captier.audit", audit.path("log.logger").asText());
        assertTrue(audit.has("@timestamp") && audit.has("log.level") && audit.has("message"), "an ECS line: " + audit);
        assertEquals("WRITE", fields.path("event.action").asText(), audit.toString());
        assertEquals("write", fields.path("captier.operation").asText(), audit.toString());
        assertEquals("200", fields.path("http.response.status_code").asText(), audit.toString());
        assertEquals(Long.toString(written.version()), fields.path("captier.version").asText(), audit.toString());
        assertEquals(written.string("durability"), fields.path("captier.durability").asText(), audit.toString());
        assertEquals("tester", fields.path("user.name").asText(), "the API key's name: " + audit);
        assertFalse(audit.path("message").asText().contains("logged-key"), "the key is a field, not in the message");

        JsonNode failure = lines.stream().filter(l -> "AUTH_FAILURE".equals(l.path("mdc").path("event.action").asText(null)))
                .filter(l -> "missing".equals(l.path("mdc").path("event.reason").asText(null)))
                .reduce((first, second) -> second).orElseThrow(() -> new AssertionError("no AUTH_FAILURE line"));
        assertEquals("WARN", failure.path("log.level").asText(), failure.toString());
        assertEquals("failure", failure.path("mdc").path("event.outcome").asText(), failure.toString());
        assertEquals("GET", failure.path("mdc").path("http.request.method").asText(), failure.toString());
        String route = failure.path("mdc").path("captier.route").asText();
        assertTrue(route.startsWith("/read/") && !route.contains("logged-key"), "the route template: " + failure);
        assertFalse(failure.path("mdc").path("client.address").asText().isEmpty(), failure.toString());
    }

    /**
     * Strangers get what failed in domain words ("postgres-primary unreachable"); addresses, ports and
     * driver text stay in the log and in /nodes and /circuit-breaker, which need a key.
     */
    private static void assertTellsNoTopology(Client.Answer answer, Topology t) {
        String body = new String(answer.body(), StandardCharsets.UTF_8);
        for (String leak : List.of("127.0.0.1", "localhost", "Connection", "refused", "PSQL", "postgresql", "SQLState",
                "Exception", "redis://", "io.vertx", "\tat ")) {
            assertFalse(body.contains(leak), "'" + leak + "' in " + answer);
        }
        for (Node node : t.nodes()) {
            assertFalse(body.contains(Integer.toString(node.port())), node.name() + "'s port in " + answer);
        }
    }

    /** A PING without AUTH, on a raw socket: the first line of the reply. */
    private static String unauthenticatedPing(Node node) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.port())) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(node.name(), e);
        }
    }
}
