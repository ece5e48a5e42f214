package io.captier.cluster.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.topology.Topology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Self-test of {@link AppInstance}: the service as a child process on a topology (the process one
 * unless {@code -Dcaptier.topology=containers}), started, paused, killed, restarted and stopped.
 * It was the last step of the process harness's self-test ({@code HarnessIT}); it lives here
 * because the topology packages do not know the service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppInstanceIT {

    private Topology topology;

    @BeforeAll
    void startTopology() {
        topology = Topologies.start();
    }

    @AfterAll
    void closeTopology() {
        if (topology != null) {
            topology.close();
        }
    }

    /** The service as a child process, against the jar in captier.app.dir (packaged before the ITs run). */
    @Test
    void appInstanceLifecycle() throws Exception {
        Path jar = AppInstance.appDir().resolve("quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": package the service first (mvnw verify does)");
        Map<String, String> env = AppEnv.of(topology).forQuarkusTest();
        try (AppInstance app = AppInstance.start("harness-app", "consistent", env)) {
            int port = app.port();
            assertEquals(200, status(app, Duration.ofSeconds(5)));
            assertTrue(Files.isDirectory(app.hintDir()));

            app.pause();
            assertThrows(Exception.class, () -> status(app, Duration.ofSeconds(2)));
            app.resume();
            assertEquals(200, status(app, Duration.ofSeconds(5)));

            app.kill();
            assertFalse(app.isAlive());
            app.restart();
            assertTrue(app.isAlive());
            assertEquals(port, app.port());
            assertEquals(200, status(app, Duration.ofSeconds(5)));

            app.stop();
            assertFalse(app.isAlive());
        }
    }

    private static int status(AppInstance app, Duration timeout) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/health/live")).timeout(timeout).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
