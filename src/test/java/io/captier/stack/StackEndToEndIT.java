package io.captier.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.devstack.MonitoringServers;
import io.captier.cluster.devstack.NginxServer;
import io.captier.cluster.devstack.StackFiles;
import io.captier.cluster.topology.Topology.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production stack's files at work on the local process topology: NGINX (nginx/, upstreams
 * rewritten to two instances per profile) spreads requests, serves TLS with the dev certificate,
 * limits the rate, retries reads but not writes; Prometheus (monitoring/, targets rewritten)
 * scrapes every instance, and a killed PostgreSQL primary takes the breaker alert to Alertmanager
 * (monitoring/alertmanager.yml as it is) until a promotion resolves it; every instance's spans
 * reach an OTLP receiver. The tests run in order, as steps of one story.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackEndToEndIT {

    private static final String BREAKER_ALERT = "CaptierCircuitBreakerOpen";

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    OtlpReceiver otlp;
    Stack stack;
    final Map<String, AppInstance> apps = new LinkedHashMap<>();
    NginxServer nginx;
    MonitoringServers monitoring;
    Client consistent;
    Client available;

    @BeforeAll
    void start() throws Exception {
        otlp = OtlpReceiver.start();
        stack = Stack.start();
        // Stack.env() switches tracing off; these instances export to the receiver, quickly.
        Map<String, String> tracing = Map.of("OTEL_SDK_DISABLED", "false", "OTEL_EXPORTER_OTLP_ENDPOINT", otlp.url(),
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms");
        for (String name : List.of("cp-1", "cp-2", "ap-1", "ap-2")) {
            apps.put(name, stack.instance(name, name.startsWith("cp") ? "consistent" : "available", tracing));
        }
        Map<String, List<String>> pools = Map.of(
                "consistent", List.of(address("cp-1"), address("cp-2")),
                "available", List.of(address("ap-1"), address("ap-2")));
        nginx = NginxServer.start(pools);
        // The real rules say "for: 1m" for the breaker alert; here it is 3 s so that the story
        // fits in a test. promtool's unit tests (StackFilesTest) prove the real durations.
        monitoring = MonitoringServers.start(pools, Duration.ofSeconds(1), Map.of(BREAKER_ALERT, Duration.ofSeconds(3)));
        SSLContext tls = nginx.tls();
        consistent = new Client(nginx.url("consistent"), tls);
        available = new Client(nginx.url("available"), tls);
        stack.register(logs);
        logs.add("nginx", () -> nginx.logTail(40));
        logs.add("monitoring", () -> monitoring.logTail(40));
        logs.add("otlp", () -> otlp.paths().size() + " exports, spans: " + spanNames());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {nginx, monitoring, stack, otlp}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }

    private String address(String app) {
        return "127.0.0.1:" + apps.get(app).port();
    }

    @Test
    @Order(1)
    void nginxSpreadsEachProfilesRequestsOverItsTwoInstances() {
        for (Map.Entry<String, Client> profile : Map.of("consistent", consistent, "available", available).entrySet()) {
            Client c = profile.getValue();
            Client.Answer w = c.write("through-nginx", "hello");
            assertEquals(200, w.status(), w.toString());
            Set<String> answeredBy = new TreeSet<>();
            for (int i = 0; i < 10; i++) {
                Client.Answer r = c.read("through-nginx");
                assertEquals(200, r.status(), r.toString());
                assertEquals("hello", r.string("value"));
                assertEquals(profile.getKey(), r.header("X-Mode"));
                answeredBy.add(r.header("X-Instance-Id"));
            }
            String prefix = profile.getKey().equals("consistent") ? "cp-" : "ap-";
            assertEquals(Set.of(prefix + "1", prefix + "2"), answeredBy, "both instances of " + profile.getKey() + " answer");
        }
    }

    @Test
    @Order(2)
    void nginxServesTlsWithTheDevCertificateAndSecurityHeaders() throws Exception {
        Client.Answer r = consistent.get("/health/ready");
        assertEquals(200, r.status(), r.toString());
        assertTrue(r.raw().sslSession().isPresent(), "answered over TLS");
        assertTrue(r.raw().sslSession().get().getProtocol().matches("TLSv1\\.[23]"), r.raw().sslSession().get().getProtocol());
        assertTrue(r.header("Strict-Transport-Security").startsWith("max-age="));
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        assertEquals("nginx", r.header("Server"), "no version in the Server header");

        // A client that does not trust the dev certificate is refused the handshake...
        HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(nginx.url("consistent") + "/health/live")).build();
        assertThrows(SSLHandshakeException.class, () -> untrusting.send(health, HttpResponse.BodyHandlers.discarding()));
        // ...and plain HTTP on the TLS port gets no answer from the service.
        HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.port("consistent") + "/health/live"))
                .build();
        assertEquals(400, untrusting.send(plain, HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    @Order(3)
    void metricsAreNotServedThroughNginx() {
        for (Client c : List.of(consistent, available)) {
            Client.Answer r = c.get("/metrics");
            assertEquals(403, r.status(), r.toString());
            assertEquals("application/problem+json", r.contentType());
            assertEquals("urn:captier:problem:forbidden", r.string("type"));
        }
        assertEquals(200, new Client(apps.get("cp-1").baseUrl()).get("/metrics").status(), "Prometheus scrapes it directly");
    }

    /** docker-compose.yml's health check of the captier services, run against a live instance. */
    @Test
    @Order(4)
    void composesHealthCheckPassesForALiveInstanceAndFailsForADeadPort() {
        JsonNode test = MonitoringQueries.yaml(StackFiles.project().path("docker-compose.yml"))
                .get("x-captier").get("healthcheck").get("test");
        assertEquals("CMD", test.get(0).asText());
        List<String> command = new ArrayList<>();
        for (int i = 1; i < test.size(); i++) {
            command.add(test.get(i).asText().replace("$$", "$")); // compose's escape of a literal $
        }
        StackFiles.Result live = StackFiles.run(command, Map.of("HTTP_PORT", Integer.toString(apps.get("ap-1").port())),
                null);
        assertEquals(0, live.exit(), live.toString());
        StackFiles.Result dead = StackFiles.run(command, Map.of("HTTP_PORT", "1"), null);
        assertTrue(dead.exit() != 0, dead.toString());
    }

    @Test
    @Order(5)
    void prometheusScrapesEveryInstanceAndMonitoringNamesOnlyExportedMetrics() {
        await("every instance is up for Prometheus").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    JsonNode up = monitoring.query("up{job=\"captier\"}");
                    Set<String> upInstances = new TreeSet<>();
                    up.forEach(s -> {
                        if (s.get("value").get(1).asText().equals("1")) {
                            upInstances.add(s.get("metric").get("instance").asText());
                        }
                    });
                    return upInstances.equals(new TreeSet<>(apps.keySet().stream().map(this::address).toList()));
                });
        JsonNode profiles = monitoring.query("count by (profile) (up{job=\"captier\"})");
        assertEquals(2, profiles.size(), profiles.toString());

        Set<String> exported = new TreeSet<>();
        for (String app : List.of("cp-1", "ap-1")) {
            exported.addAll(scrapedNames(new Client(apps.get(app).baseUrl()).get("/metrics").body()));
        }
        Set<String> unknown = unknownMetrics(MonitoringQueries.all(StackFiles.project()).values(), exported);
        assertTrue(unknown.isEmpty(), "dashboards or alerts name metrics no instance exports: " + unknown
                + "\nexported: " + exported);
        assertEquals(Set.of("app_request_totl"), unknownMetrics(List.of("rate(app_request_totl[1m])"), exported),
                "a misspelt name is caught");
    }

    private static Set<String> unknownMetrics(Iterable<String> exprs, Set<String> exported) {
        Set<String> unknown = new TreeSet<>();
        for (String expr : exprs) {
            PromQl.metricNames(expr).stream().filter(n -> !exported.contains(n) && !PromQl.PROMETHEUS_OWN.contains(n))
                    .forEach(unknown::add);
        }
        return unknown;
    }

    private static Set<String> scrapedNames(byte[] metrics) {
        Set<String> names = new HashSet<>();
        for (String line : new String(metrics, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    @Test
    @Order(6)
    void requestAndStoreCallSpansReachTheOtlpReceiver() {
        available.write("traced", "yes");
        available.read("traced");
        await("spans exported").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Set<String> names = spanNames();
            return names.stream().anyMatch(n -> n.startsWith("POST /write")) && names.contains("GET /read/{key}")
                    && names.contains("postgres.write") && names.contains("redis.project");
        });
        List<OtlpReceiver.Span> spans = otlp.spans();
        assertTrue(spans.stream().anyMatch(s -> s.name().equals("GET /read/{key}") && s.kind() == 2 && !s.hasParent()),
                "a server span per request");
        assertTrue(spans.stream().anyMatch(s -> s.name().equals("postgres.write") && s.hasParent()),
                "store calls are spans inside the request's trace");
        assertTrue(otlp.paths().stream().allMatch(p -> p.equals("POST /v1/traces")), otlp.paths().toString());
        Set<String> redisCommands = new TreeSet<>(spanNames());
        redisCommands.retainAll(Set.of("sentinel", "info", "get", "set", "xlen"));
        assertTrue(redisCommands.isEmpty(), "no span per background Redis command: " + redisCommands);
    }

    private Set<String> spanNames() {
        Set<String> names = new TreeSet<>();
        otlp.spans().forEach(s -> names.add(s.name()));
        return names;
    }

    @Test
    @Order(7)
    void pastTheRateNginxAnswers429WithAProblem() throws InterruptedException {
        AtomicBoolean limited = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<Client.Answer> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        for (int t = 0; t < 16; t++) {
            pool.submit(() -> {
                // bounded: at most 4000 requests or 20 s, and it stops at the first 429
                while (!limited.get() && sent.incrementAndGet() <= 4000
                        && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20)) {
                    Client.Answer a = consistent.get("/health/live");
                    statuses.computeIfAbsent(a.status(), s -> new AtomicInteger()).incrementAndGet();
                    if (a.status() == 429) {
                        refusals.add(a);
                        limited.set(true);
                    }
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(limited.get(), "no 429 after " + sent.get() + " requests in " + seconds + " s: " + statuses);
        Client.Answer refused = refusals.get(0);
        assertEquals("application/problem+json", refused.contentType());
        assertEquals("urn:captier:problem:rate-limited", refused.string("type"));
        assertEquals("1", refused.header("Retry-After"));
        int accepted = statuses.getOrDefault(200, new AtomicInteger()).get();
        assertTrue(accepted <= 200 + 100 * seconds + 16, "burst 200 + 100/s: " + accepted + " accepted in " + seconds + " s");
    }

    @Test
    @Order(8)
    void readsAreRetriedOnTheOtherInstanceWritesAreNot() throws InterruptedException {
        Thread.sleep(2500); // the previous step used up the rate limit's burst; it refills at 100/s
        apps.get("cp-2").kill();
        List<Client.Answer> writes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            writes.add(consistent.write("retry-" + i, "x"));
        }
        long refused = writes.stream().filter(w -> w.status() == 502).count();
        assertTrue(refused >= 1, "a write sent to the dead instance is not sent again elsewhere: " + writes);
        writes.stream().filter(w -> w.status() == 502).forEach(w ->
                assertEquals("urn:captier:problem:no-instance", w.string("type"), w.toString()));
        writes.stream().filter(w -> w.status() != 502).forEach(w -> assertEquals(200, w.status(), w.toString()));
        for (int i = 0; i < 6; i++) {
            Client.Answer r = consistent.read("through-nginx");
            assertEquals(200, r.status(), "a read the dead instance could not answer is answered by the other: " + r);
            assertEquals("cp-1", r.header("X-Instance-Id"));
        }
    }

    @Test
    @Order(9)
    void aKilledPrimaryTakesTheBreakerAlertToAlertmanagerUntilThePromotion() {
        Node standby = stack.topology.pgStandby();
        assertNotNull(standby);
        assertTrue(activeBreakerAlerts().isEmpty(), "no breaker alert before: " + monitoring.alertmanagerAlerts());
        stack.topology.kill(stack.topology.pgPrimary());
        await("the breaker alert reaches Alertmanager").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> !activeBreakerAlerts().isEmpty());
        JsonNode alert = activeBreakerAlerts().get(0);
        assertEquals("postgres-primary", alert.get("labels").get("breaker").asText(), alert.toString());
        assertEquals("critical", alert.get("labels").get("severity").asText());
        assertTrue(alert.get("receivers").toString().contains("oncall"), "routed as critical: " + alert);

        stack.topology.promote(standby);
        await("the alert resolves once the standby is promoted").atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(500)).until(() -> activeBreakerAlerts().isEmpty());
        // The alert follows Prometheus' scrape of the breaker; the instance's own probe may see the
        // promoted standby a moment later (once, in CI, the write right after the alert got 503).
        await("a consistent write on the promoted standby").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> consistent.write("after-promotion", "ok").status(), status -> status == 200);
    }

    private List<JsonNode> activeBreakerAlerts() {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode a : monitoring.alertmanagerAlerts()) {
            if (a.get("labels").get("alertname").asText().equals(BREAKER_ALERT)
                    && a.get("status").get("state").asText().equals("active")) {
                found.add(a);
            }
        }
        return found;
    }
}
