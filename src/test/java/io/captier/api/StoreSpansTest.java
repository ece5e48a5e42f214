package io.captier.api;

import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.TopologyResource;
import io.captier.cluster.topology.Topology;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store calls' spans follow the OpenTelemetry semantic conventions for database client
 * spans: kind CLIENT, {@code db.system.name}, {@code db.operation.name}, and the
 * {@code server.address}/{@code server.port} of the node actually called. The service runs
 * in-JVM (available profile: its write goes to the PostgreSQL primary, its read to Redis)
 * with tracing on and an in-memory exporter in place of OTLP.
 */
@QuarkusTest
@TestProfile(StoreSpansTest.Tracing.class)
@QuarkusTestResource(value = TopologyResource.class, restrictToAnnotatedClass = true)
class StoreSpansTest {

    static final AttributeKey<String> DB_SYSTEM_NAME = AttributeKey.stringKey("db.system.name");
    static final AttributeKey<String> DB_OPERATION_NAME = AttributeKey.stringKey("db.operation.name");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    /** Tracing on, spans exported at once, the available profile. */
    public static class Tracing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms",
                    "captier.mode", "available");
        }
    }

    /** The exporter Quarkus' "cdi" span exporter finds beside its own. */
    @ApplicationScoped
    static class Exporter {
        @Produces
        @Singleton
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aWriteAndAReadAreClientSpansOfTheNodesTheyReached() {
        Awaitility.await("ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> RestAssured.given().get("/health/ready").statusCode() == 200);
        Topology topology = TopologyResource.current();
        spans.reset();

        RestAssured.given().header("Authorization", "Bearer " + Credentials.READ_WRITE).body("v")
                .contentType("text/plain").when().post("/write/traced").then().statusCode(200);
        SpanData write = await("postgres.write");
        assertClientSpan(write, "postgresql", "INSERT");
        assertEquals(topology.pgPrimary().port(), write.getAttributes().get(SERVER_PORT), "the primary's port");

        // The read chain may answer from PostgreSQL or the last-known cache until this instance's
        // heartbeat bounds a Redis node (seen once in a run): read until a Redis node answers.
        Awaitility.await("a read answered by a Redis node").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(() -> RestAssured.given()
                        .header("Authorization", "Bearer " + Credentials.READ_WRITE).when().get("/read/traced")
                        .then().statusCode(200).body("value", equalTo("v")).extract().path("source"),
                        source -> String.valueOf(source).startsWith("redis-"));
        SpanData read = await("redis.read");
        assertClientSpan(read, "redis", "HMGET");
        Set<Long> redisPorts = topology.nodes().stream().filter(n -> n.kind() == Topology.Kind.REDIS)
                .map(n -> (long) n.port()).collect(Collectors.toSet());
        assertTrue(redisPorts.contains(read.getAttributes().get(SERVER_PORT)),
                "a Redis node's port: " + read.getAttributes() + " of " + redisPorts);

        // No other CLIENT span under the store's: the drivers' own instrumentation stays off.
        for (SpanData client : spans.getFinishedSpanItems()) {
            if (client.getKind() == SpanKind.CLIENT) {
                List<String> nested = spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getParentSpanId().equals(client.getSpanId())).map(SpanData::getName).toList();
                assertTrue(nested.isEmpty(), client.getName() + " has spans under it: " + nested);
            }
        }
    }

    private SpanData await(String name) {
        return Awaitility.await(name + " exported").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst(),
                        java.util.Optional::isPresent)
                .get();
    }

    private static void assertClientSpan(SpanData span, String system, String operation) {
        assertEquals(SpanKind.CLIENT, span.getKind(), span.getName());
        assertEquals(system, span.getAttributes().get(DB_SYSTEM_NAME), span.getName());
        assertEquals(operation, span.getAttributes().get(DB_OPERATION_NAME), span.getName());
        String address = span.getAttributes().get(SERVER_ADDRESS);
        assertNotNull(address, span.getName() + " names its server");
        assertTrue(address.equals("127.0.0.1") || address.equals("localhost"), span.getName() + ": " + address);
    }
}
