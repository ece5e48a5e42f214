package io.captier.load;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.Stack;
import io.captier.cluster.devstack.NginxServer;
import io.captier.cluster.os.Binaries;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Gatling load test starts and its assertions hold at a tiny rate: one instance per profile and
 * NGINX in front, every one of the 24 scenarios with one user for a few seconds, run the way
 * scripts/load runs it (the gatling-maven-plugin on load-tests/pom.xml, a Maven project of its own).
 * A failed Gatling assertion (a KO anywhere, a 429 on a direct scenario) fails the run.
 */
class LoadSmokeIT {

    @Test
    void everyScenarioRunsWithoutAFailedRequest() throws Exception {
        Path root = Binaries.projectRoot();
        try (Stack stack = Stack.start()) {
            // 24 scenarios at once share two cores with both stores, NGINX and Gatling: a commit
            // (the synchronous standby's fsync) can take over the 2 s the other tests fail fast
            // after, and the consistent profile then rightly answers 503 (seen once in CI, a
            // write after 2.4 s). What this smoke proves is the load test and its assertions,
            // not fail-fast timing (ConsistentProfileIT and the drill measure that), so its instances wait longer.
            // 5 s: a write's primary call and its WAIT (half of it) stay inside NGINX's 10 s.
            Map<String, String> patient = Map.of("NETWORK_TIMEOUT_SEC", "5");
            AppInstance cp = stack.instance("load-consistent", "consistent", patient);
            AppInstance ap = stack.instance("load-available", "available", patient);
            try (NginxServer nginx = NginxServer.start(Map.of("consistent", List.of("127.0.0.1:" + cp.port()),
                    "available", List.of("127.0.0.1:" + ap.port())))) {
                Path log = Files.createTempFile("captier-gatling-", ".log");
                long started = System.currentTimeMillis();
                List<String> cmd = new ArrayList<>(List.of(root.resolve("mvnw").toString(), "-B", "-f",
                        root.resolve("load-tests/pom.xml").toString(), "test-compile", "gatling:test",
                        "-DconsistentUrl=" + cp.baseUrl(), "-DavailableUrl=" + ap.baseUrl(),
                        "-DnginxConsistentUrl=" + nginx.url("consistent"), "-DnginxAvailableUrl=" + nginx.url("available"),
                        "-Dusers=1", "-DnginxUsers=1", "-Dduration=5", "-DnginxRate=20"));
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                pb.environment().put("CAPTIER_TOKEN", Credentials.READ_WRITE);
                Process p = pb.start();
                boolean done = p.waitFor(5, TimeUnit.MINUTES);
                if (!done) {
                    p.destroyForcibly();
                }
                String out = Files.readString(log, StandardCharsets.UTF_8);
                Files.deleteIfExists(log);
                assertTrue(done, "Gatling did not finish in 5 minutes:\n" + tail(out));
                assertEquals(0, p.exitValue(), "Gatling failed:\n" + tail(out));
                assertTrue(out.contains("429 (rate limited) answers per scenario"), tail(out));
                for (String scenario : List.of("consistent-read-heavy-plain-direct", "available-mixed-session-nginx",
                        "available-write-heavy-session-direct")) {
                    assertTrue(out.contains(scenario), "no " + scenario + " in Gatling's output:\n" + tail(out));
                }
                try (Stream<Path> reports = Files.list(root.resolve("load-tests/target/gatling"))) {
                    assertTrue(reports.anyMatch(d -> Files.exists(d.resolve("index.html"))
                            && d.toFile().lastModified() >= started - 1000), "no new HTML report");
                }
            }
        }
    }

    private static String tail(String out) {
        return out.length() > 6000 ? out.substring(out.length() - 6000) : out;
    }
}
