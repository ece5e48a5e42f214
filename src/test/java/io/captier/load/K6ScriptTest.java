package io.captier.load;

import io.captier.cluster.os.Binaries;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * k6 is not installable here, so its script is at least parsed: a copy as an ES module through
 * {@code node --check} (syntax only; the k6/... imports are not resolved), and it names the same
 * 24 scenarios as the Gatling simulation.
 */
class K6ScriptTest {

    private static final Path SCRIPT = root().resolve("load-tests/k6/captier.js");

    @Test
    void parsesAsAnEsModule() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "node is not installed");
        Path copy = Files.createTempFile("captier-k6-", ".mjs");
        try {
            Files.copy(SCRIPT, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Process p = new ProcessBuilder("/usr/bin/node", "--check", copy.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "node --check: " + out);
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    @Test
    void coversTheSimulationsScenarios() throws Exception {
        String k6 = Files.readString(SCRIPT);
        String gatling = Files.readString(root().resolve("load-tests/src/test/java/io/captier/load/CaptierSimulation.java"));
        for (String word : List.of("read-heavy", "write-heavy", "mixed", "'plain', 'session'", "'direct', 'nginx'",
                "X-Session-Token", "429")) {
            assertTrue(k6.contains(word), "k6 script lacks " + word);
        }
        for (String word : List.of("\"read-heavy\", 90.0", "\"write-heavy\", 10.0", "\"mixed\", 50.0")) {
            assertTrue(gatling.contains(word), "simulation lacks " + word);
        }
        assertTrue(k6.contains("'read-heavy': 90, 'write-heavy': 10, mixed: 50"), "k6 mixes differ from Gatling's");
    }

    private static Path root() {
        Path root = Binaries.projectRoot();
        return root != null ? root : Path.of(System.getProperty("user.dir"));
    }
}
