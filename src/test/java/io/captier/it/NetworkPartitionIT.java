package io.captier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.AppInstance;
import io.captier.cluster.ProcessTopology;
import io.captier.cluster.Topology.Node;
import io.captier.cluster.network.Host;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real partition, not a killed or paused process: every node of the topology and one available
 * instance in its own network namespace ({@link ProcessTopology.Options#withNetwork()}). The Redis
 * master and the instance are cut off from the sentinels and the Redis replicas (PostgreSQL stays
 * reachable); the sentinels promote a replica behind the master's back. Then the instance loses
 * PostgreSQL as well, so that only buffers are left to it. Asserted is only what the contract
 * (DESIGN A1, A5) promises: every write is answered, and no acknowledged write is lost once the
 * partition heals, the old master has been turned into a replica and the buffers are reconciled.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkPartitionIT {

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    private ProcessTopology topology;
    private AppInstance app;
    private Client client;

    /** key -> the acknowledged answer's version and value. */
    private final Map<String, Client.Answer> acknowledged = new LinkedHashMap<>();

    @BeforeAll
    void start() {
        topology = ProcessTopology.start(ProcessTopology.Options.defaults().withNetwork());
        Host appHost = topology.network().addHost("app-1");
        Stack stack = new Stack(topology);
        app = AppInstance.start("app-1", "available", stack.env(), appHost);
        Stack.awaitReady(app);
        client = new Client(app.baseUrl());
        logs.add("topology", topology::describe);
        logs.add("app-1", () -> app.logTail(80));
        System.out.println(topology.network() + "\n" + topology.describe());
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    void noAcknowledgedWriteIsLostWhenTheMasterSideOfASplitLosesItsRole() {
        for (int i = 0; i < 5; i++) {
            write("before-" + i);
        }
        Node oldMaster = topology.redisMaster();
        assertEquals("redis-a", oldMaster.name());

        List<Host> masterSide = List.of(topology.host(oldMaster.name()), topology.host("app-1"));
        List<Host> majority = Stream.concat(ProcessTopology.SENTINELS.stream(),
                topology.redisReplicas().stream().map(Node::name)).map(topology::host).toList();
        topology.partitions().cut(masterSide, majority);
        long cutAt = System.nanoTime();

        List<String> during = new ArrayList<>();
        int i = 0;
        Node newMaster = oldMaster;
        while (newMaster.equals(oldMaster) && System.nanoTime() - cutAt < Duration.ofSeconds(45).toNanos()) {
            Client.Answer w = write("during-" + i++);
            during.add(w.status() + "/" + w.string("durability"));
            newMaster = topology.redisMaster(); // the sentinels, asked from the test JVM, are reachable
        }
        assertNotEquals(oldMaster, newMaster, "the sentinels promoted no replica within 45 s");
        System.out.printf("sentinels promoted %s %d ms after the cut; writes meanwhile: %s%n", newMaster.name(),
                (System.nanoTime() - cutAt) / 1_000_000, during);
        for (int j = 0; j < 5; j++) {
            Client.Answer w = write("after-promotion-" + j);
            System.out.println("write after the promotion, still cut off: " + w);
        }
        Client.Answer stale = client.read("before-0");
        System.out.println("read during the partition: " + stale);

        // Now PostgreSQL too: the instance can only buffer. Its Redis master has no replica left to
        // WAIT-confirm a pending-stream entry (A5), and the sentinels will make it a replica and
        // discard its data, so only the local hint log may acknowledge these.
        topology.partitions().cut(List.of(topology.host("app-1")),
                List.of(topology.host(ProcessTopology.PG_A), topology.host(ProcessTopology.PG_B)));
        for (int j = 0; j < 5; j++) {
            Client.Answer w = write("buffered-" + j);
            System.out.println("write cut off from PostgreSQL too: " + w);
        }

        topology.partitions().heal();
        await("the old master turns into a replica").atMost(Duration.ofSeconds(30))
                .until(() -> topology.redis(oldMaster, "ROLE").startsWith("slave"));
        Stack.awaitReady(app);

        List<String> bumped = new ArrayList<>();
        for (Map.Entry<String, Client.Answer> e : acknowledged.entrySet()) {
            Client.Answer ack = e.getValue();
            // A 0 ms bound is met by the PostgreSQL primary only: the read shows what reconciliation
            // stored. Each key is written once, so its value must be there at the acknowledged
            // version. Before direct writes carried a deadline (PgStore#write), the first write cut
            // off from PostgreSQL came back one version higher: its upsert, retransmitted by TCP
            // after the heal, arrived after reconciliation had stored it and was applied again.
            Client.Answer r = await(e.getKey() + " after heal").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> client.read(e.getKey(), "X-Max-Staleness-Ms", "0"),
                            x -> x.status() == 200 && x.version() >= ack.version());
            assertEquals(e.getKey(), r.string("value"), e.getKey() + ": " + r);
            if (r.version() != ack.version()) {
                bumped.add(e.getKey() + " " + ack.string("durability") + " " + ack.version() + " -> " + r.version());
            }
        }
        assertEquals(List.of(), bumped, "stored with another version than acknowledged");
        List<List<String>> rows = topology.sql(topology.pgPrimary(), "SELECT count(*) FROM kv");
        System.out.println("after heal: " + acknowledged.size() + " acknowledged writes all read back; rows " + rows);
        assertFalse(acknowledged.isEmpty());
    }

    /** One write whose value is its key; A1: it is answered 2xx whatever is cut. */
    private Client.Answer write(String key) {
        Client.Answer w = client.write(key, key);
        assertTrue(w.status() == 200 || w.status() == 202, key + ": " + w);
        acknowledged.put(key, w);
        return w;
    }
}
