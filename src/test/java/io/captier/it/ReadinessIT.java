package io.captier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.app.Topologies;
import io.captier.cluster.topology.Topology.Node;
import io.captier.cluster.topology.TopologyOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ready means the instance can keep its profile's contract (docs/decisions.md, "Readiness"). An
 * available instance that starts while the Redis master does not answer cannot look at the pending
 * stream, so PostgreSQL has no staleness bound for it, and no replica holds its heartbeat yet: it can
 * answer no read it did not write itself. It must not say ready then. The drill restarts instances
 * and sends them traffic once they say ready; before this, a restart during a paused master gave 503s
 * to the soak's reads. The sentinels wait a minute before a failover here, so that the master stays
 * paused and the same for the whole check.
 */
class ReadinessIT {

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    @Test
    void anAvailableInstanceStartedWhileTheRedisMasterIsPausedIsNotReadyUntilItCanBoundARead() {
        try (Stack stack = new Stack(Topologies.start(TopologyOptions.defaults()
                .withSentinelDownAfterMs(60_000)))) {
            Client first = new Client(stack.instance("ready-a", "available").baseUrl());
            assertEquals(200, first.write("written-before", "v").status());

            Node master = stack.topology.redisMaster();
            stack.topology.pause(master);
            boolean paused = true;
            try (AppInstance fresh = AppInstance.start("ready-b", "available", stack.env())) {
                logs.add("ready-b", () -> fresh.logTail(60));
                Client client = new Client(fresh.baseUrl());
                List<String> seen = new ArrayList<>();
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < until) {
                    int ready = client.get("/health/ready").status();
                    Client.Answer read = client.read("written-before");
                    seen.add(ready + "/" + read.status());
                    if (ready == 200) {
                        assertNotEquals(503, read.status(), "ready, and yet the read was refused: " + read);
                    }
                }
                System.out.println("readiness/read while the master is paused: " + seen);
                Client.Answer why = client.get("/health/ready");
                Map<?, ?> data = ((List<?>) why.json().get("checks")).stream().map(c -> (Map<?, ?>) c)
                        .filter(c -> "available-contract".equals(c.get("name"))).findFirst()
                        .map(c -> (Map<?, ?>) c.get("data")).orElseThrow(() -> new AssertionError(why.toString()));
                assertEquals("reachable", data.get("postgres_primary"), "not ready for another reason: " + why);
                assertEquals(false, data.get("pending_stream_seen"), "not ready for another reason: " + why);
                assertTrue(seen.stream().allMatch(s -> s.startsWith("503/")),
                        "ready before it could bound a read: " + seen);

                stack.topology.resume(master);
                paused = false;
                Stack.awaitReady(fresh);
                Client.Answer read = client.read("written-before");
                assertEquals(200, read.status(), read.toString());
                assertEquals("v", read.string("value"), read.toString());
            } finally {
                if (paused) {
                    stack.topology.resume(master);
                }
            }
        }
    }
}
