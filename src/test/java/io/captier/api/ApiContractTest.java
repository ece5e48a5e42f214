package io.captier.api;

import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.TopologyResource;
import io.captier.cluster.topology.Topology;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URL;
import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP contract of README's "API" against the real topology, in the consistent
 * profile: bad input gets a clear problem+json answer and changes nothing, and /metrics
 * carries every metric name the design fixes.
 */
@QuarkusTest
@QuarkusTestResource(value = TopologyResource.class, restrictToAnnotatedClass = true)
class ApiContractTest {

    static final String PROBLEM = "application/problem+json";

    @TestHTTPResource("/")
    URL base;

    /** A request with the run's read+write key; {@code RestAssured.given()} is one with no key. */
    private static RequestSpecification given() {
        return RestAssured.given().header("Authorization", "Bearer " + Credentials.READ_WRITE);
    }

    private static RequestSpecification givenKey(String apiKey) {
        return RestAssured.given().header("Authorization", "Bearer " + apiKey);
    }

    /** Ready means migrated: the checks after each test look into the schema. */
    @BeforeEach
    void ready() {
        org.awaitility.Awaitility.await("ready").atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> RestAssured.given().get("/health/ready").statusCode() == 200);
    }

    /** Every bad request must leave the stores exactly as they were. */
    @AfterEach
    void nothingBadWasStored() {
        Topology topology = TopologyResource.current();
        List<List<String>> rows = topology.sql(topology.pgPrimary(), "SELECT count(*) FROM kv WHERE key LIKE 'bad%'");
        assertEquals("0", rows.get(0).get(0), "a refused request changed nothing in PostgreSQL");
        String keys = topology.redis(topology.redisMaster(), "KEYS", "captier:kv:bad*");
        assertTrue(keys.isBlank(), "a refused request changed nothing in Redis: " + keys);
    }

    @Test
    void aGoodWriteAndReadWork() {
        given().body("v").contentType("text/plain").when().post("/write/good").then().statusCode(200)
                .header("X-Mode", "consistent").header("X-Instance-Id", "quarkus-test")
                .body("durability", equalTo("primary"));
        given().when().get("/read/good").then().statusCode(200).body("value", equalTo("v"));
        given().when().post("/write/good-path/in path").then().statusCode(200);
        given().when().get("/read/good-path").then().statusCode(200).body("value", equalTo("in path"))
                .body("content_type", containsString("text/plain"));
    }

    @Test
    void anEmptyKeyIsABadKey() {
        problem(given().when().post("/write"), 400, "bad-key");
        problem(given().when().get("/read"), 400, "bad-key");
        problem(given().when().delete("/write"), 400, "bad-key");
        // An empty segment could name another key ("/write//k" is "/write/k" to the router).
        problem(given().when().post("/write/"), 400, "bad-path");
        problem(given().when().get("/read/"), 400, "bad-path");
        problem(given().when().delete("/write/"), 400, "bad-path");
    }

    @Test
    void aKeyOver512BytesIsABadKey() {
        given().body("x").when().post("/write/" + "k".repeat(512)).then().statusCode(200);
        problem(given().body("x").when().post("/write/bad" + "k".repeat(510)), 400, "bad-key");
        problem(given().when().get("/read/bad" + "k".repeat(510)), 400, "bad-key");
    }

    @Test
    void controlCharactersInAKeyAreRefused() {
        for (String c : List.of("%00", "%01", "%0A", "%1F", "%7F", "%C2%85")) {
            problem(given().urlEncodingEnabled(false).body("x").when().post("/write/bad" + c + "key"), 400, "bad-key");
            problem(given().urlEncodingEnabled(false).when().get("/read/bad" + c + "key"), 400, "bad-key");
            problem(given().urlEncodingEnabled(false).when().delete("/write/bad" + c + "key"), 400, "bad-key");
        }
    }

    @Test
    void aValueOverTheLimitIs413WhetherAnnouncedOrStreamed() throws Exception {
        byte[] limit = new byte[1024 * 1024];
        given().body(limit).contentType("application/octet-stream").when().post("/write/at-limit").then().statusCode(200);
        byte[] over = new byte[1024 * 1024 + 1];
        problem(given().body(over).contentType("application/octet-stream").when().post("/write/bad-big"), 413,
                "value-too-large");
        // Without Content-Length (chunked), the service sees the size only as it reads.
        HttpResponse<String> chunked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "write/bad-chunked"))
                .header("Authorization", "Bearer " + Credentials.READ_WRITE)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(over))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());
        assertEquals(PROBLEM, chunked.headers().firstValue("Content-Type").orElse(""));
        assertTrue(chunked.body().contains("urn:captier:problem:value-too-large"), chunked.body());
    }

    @Test
    void unknownContentAndHeadersAreRefusedClearly() {
        problem(given().header("Content-Type", "not a media type").body("x".getBytes()).when().post("/write/bad-type"), 415,
                "unsupported-media-type");
        problem(given().header("Accept", "image/png").when().get("/read/good"), 406, "not-acceptable");
        problem(given().header("Idempotency-Key", "x".repeat(256)).body("x").when().post("/write/bad-idem"), 400,
                "bad-header");
        problem(given().header("Idempotency-Key", "has space").body("x").when().post("/write/bad-idem"), 400,
                "bad-header");
        problem(given().header("X-Max-Staleness-Ms", "soon").when().get("/read/good"), 400, "bad-header");
        problem(given().header("X-Max-Staleness-Ms", "-1").when().get("/read/good"), 400, "bad-header");
    }

    @Test
    void unknownPathsAndMethodsAreProblemsToo() {
        problem(given().when().get("/nothing-here"), 404, "no-such-resource");
        problem(given().body("x").when().put("/write/bad-method"), 405, "method-not-allowed");
        problem(given().when().patch("/read/good"), 405, "method-not-allowed");
        problem(given().when().get("/read/never-written"), 404, "not-found");
    }

    @Test
    void metricsCarryEveryNamedMetric() {
        given().body("m").when().post("/write/metric-key").then().statusCode(200);
        given().when().get("/read/metric-key").then().statusCode(200);
        String metrics = given().when().get("/metrics").then().statusCode(200).extract().asString();
        for (String name : List.of("app_requests_total{", "app_request_latency_seconds_bucket{",
                "circuit_breaker_state{", "data_staleness_ms{", "db_connection_failures_total{",
                "ap_pending_writes{", "ap_reconciled_writes_total", "session_reroutes_total")) {
            assertTrue(metrics.contains(name), "missing " + name);
        }
        assertTrue(metrics.contains("app_requests_total{mode=\"consistent\",operation=\"write\",status=\"200\"}"),
                "requests are counted by mode, operation and status");
        assertFalse(metrics.contains("metric-key"), "never a key as a label");
    }

    @Test
    void theOperationalEndpointsAnswer() {
        given().when().get("/health/live").then().statusCode(200);
        given().when().get("/health/ready").then().statusCode(200);
        given().when().get("/circuit-breaker").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.hasItems("postgres-primary", "postgres-standby", "redis-master"));
        given().when().get("/nodes").then().statusCode(200)
                .body("kind", org.hamcrest.Matchers.hasItems("postgres", "redis", "sentinel"))
                .body("findAll { it.kind == 'postgres' }.role", org.hamcrest.Matchers.hasItems("primary", "standby"));
    }

    @Test
    void onlyAKeyWithTheRightRoleGetsIn() {
        // No key, a key that is not configured, a malformed header: 401, and nothing written.
        Response none = RestAssured.given().body("v").contentType("text/plain").post("/write/bad-auth");
        problem(none, 401, "unauthenticated");
        none.then().header("WWW-Authenticate", containsString("Bearer"));
        problem(givenKey(Credentials.token()).body("v").post("/write/bad-auth"), 401, "unauthenticated");
        problem(RestAssured.given().header("Authorization", "Basic " + Credentials.READ_WRITE).get("/read/good"),
                401, "unauthenticated");
        problem(givenKey("k".repeat(300)).get("/read/good"), 401, "unauthenticated");
        problem(RestAssured.given().get("/nodes"), 401, "unauthenticated");
        problem(RestAssured.given().get("/circuit-breaker"), 401, "unauthenticated");
        // A key without the role: 403.
        problem(givenKey(Credentials.READ_ONLY).body("v").post("/write/bad-auth"), 403, "forbidden");
        problem(givenKey(Credentials.READ_ONLY).delete("/write/good"), 403, "forbidden");
        problem(givenKey(Credentials.WRITE_ONLY).get("/read/good"), 403, "forbidden");
        // The roles each key has do work; health and metrics need none.
        givenKey(Credentials.WRITE_ONLY).body("w").contentType("text/plain").post("/write/auth-ok").then().statusCode(200);
        givenKey(Credentials.READ_ONLY).get("/read/auth-ok").then().statusCode(200).body("value", equalTo("w"));
        RestAssured.given().get("/health/ready").then().statusCode(200);
        RestAssured.given().get("/metrics").then().statusCode(200);
    }

    @Test
    void aRouteAddedWithoutARoleIsRefusedWithOrWithoutAKey() {
        problem(RestAssured.given().get("/test-only/unannotated"), 401, "unauthenticated");
        problem(given().get("/test-only/unannotated"), 403, "forbidden");
        problem(givenKey(Credentials.READ_ONLY).get("/test-only/unannotated"), 403, "forbidden");
    }

    /**
     * Deny by default below the REST layer too: a Vert.x route added later (a health group, a
     * management page, a handler on the router) would be open to anyone, so every route with a
     * path of its own must be one of these, and a new one fails here until someone decides.
     */
    @Test
    void noVertxRouteIsOpenButHealthMetricsAndTheApiDocument() {
        assertEquals(new java.util.TreeSet<>(List.of(
                "/", // the REST resources: each method names its role, the rest are denied
                "/q/", // Quarkus' non-application root: nothing is served under it (404; in dev and test
                       // builds Swagger UI's switched-off route is there, answering an empty 404)
                "/health", "/health/live", "/health/ready", "/health/started", "/health/well", "/health/group",
                "/health/group/", // probes: open by design, and they tell no address (ContractReadiness)
                "/metrics", "/metrics/", // Prometheus: open by design, kept off the public side by NGINX
                // The OpenAPI document, in its four spellings: open by design, it describes the
                // API and holds no data (OpenApiDocumentTest holds it to the service)
                "/openapi", "/openapi.json", "/openapi.yaml", "/openapi.yml")),
                RouteInventory.paths());
    }

    private static void problem(Response response, int status, String type) {
        response.then().statusCode(status)
                .contentType(PROBLEM)
                .body("type", equalTo("urn:captier:problem:" + type))
                .body("status", equalTo(status))
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));
    }
}
