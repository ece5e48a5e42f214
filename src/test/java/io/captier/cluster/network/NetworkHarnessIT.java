package io.captier.cluster.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Resp;
import io.captier.cluster.os.Watchdog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Self-test of the network harness with real traffic: three hosts a, b, c; redis-server in a and b on
 * their bridge addresses; PINGs from the test JVM (root namespace) and, with redis-cli, from inside
 * the other hosts; datagram counters for the one-way cut. Ends with close() leaving nothing behind,
 * and a watchdog that cleans up after a kill -9.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkHarnessIT {

    private static final int PORT = 6379;
    /** Short, so that each "cannot reach" costs about a second; answers on the bridge take < 10 ms. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private Path dir;
    private Watchdog watchdog;
    private Network net;
    private Host a;
    private Host b;
    private Host c;
    private final List<OsProcess> servers = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        dir = Files.createTempDirectory("captier-network-");
        watchdog = Watchdog.start(dir);
        net = Network.create(watchdog, dir);
        a = net.addHost("a");
        b = net.addHost("b");
        c = net.addHost("c");
        System.out.println(net);
        servers.add(startRedis(a));
        servers.add(startRedis(b));
    }

    @AfterAll
    void stop() {
        try {
            servers.forEach(s -> s.terminate("TERM", Duration.ofSeconds(5)));
            if (net != null) {
                net.close();
            }
        } finally {
            if (watchdog != null) {
                watchdog.close();
            }
            Processes.run(List.of("rm", "-rf", "--", dir.toString()), Map.of(), null, Duration.ofSeconds(30));
        }
    }

    @Test
    @Order(1)
    void everyoneReachesEveryoneBeforeAnyCut() {
        assertTrue(rootReaches(a));
        assertTrue(rootReaches(b));
        assertTrue(reaches(c, a));
        assertTrue(reaches(c, b));
        assertTrue(reaches(a, b));
        assertTrue(reaches(b, a));
        for (Host h : List.of(a, b, c)) {
            String tables = Processes.runOrThrow(h.exec(List.of("nft", "list", "tables")), Map.of(), null, TIMEOUT);
            assertTrue(tables.contains("table inet " + net.partitions().table()), h + ": " + tables);
        }
    }

    @Test
    @Order(2)
    void isolatedHostIsCutFromTheTestJvmAndTheOtherHostsUntilHeal() {
        net.partitions().isolate(a);
        assertFalse(rootReaches(a));
        assertFalse(reaches(c, a));
        assertFalse(reaches(a, b));
        assertTrue(rootReaches(b), "the rest of the network is untouched");
        assertTrue(reaches(c, b));

        net.partitions().heal();
        assertTrue(rootReaches(a));
        assertTrue(reaches(c, a));
        assertTrue(reaches(a, b));
    }

    @Test
    @Order(3)
    void splitCutsTheHalvesFromEachOtherButNotFromTheTestJvm() {
        net.partitions().split(List.of(a), List.of(b, c));
        assertFalse(reaches(c, a));
        assertFalse(reaches(b, a));
        assertFalse(reaches(a, b));
        assertTrue(reaches(c, b), "b and c are one half");
        assertTrue(rootReaches(a));
        assertTrue(rootReaches(b));
        net.partitions().heal();
        assertTrue(reaches(c, a));

        assertThrows(IllegalArgumentException.class, () -> net.partitions().split(List.of(a), List.of(b)),
                "a split covers every host");
    }

    @Test
    @Order(4)
    void cutIsTargeted() {
        net.partitions().cut(List.of(c), List.of(a));
        assertFalse(reaches(c, a));
        assertTrue(reaches(b, a));
        assertTrue(reaches(c, b));
        // A heal between two hosts removes their cut only.
        net.partitions().cut(List.of(c), List.of(b));
        net.partitions().heal(List.of(b), List.of(c));
        assertTrue(reaches(c, b));
        assertFalse(reaches(c, a));
        net.partitions().heal();
        assertTrue(reaches(c, a));
    }

    @Test
    @Order(4)
    void cutFromRootLeavesTheHostsTheirLinks() {
        net.partitions().cutFromRoot(List.of(a));
        assertFalse(rootReaches(a));
        assertTrue(rootReaches(b));
        assertTrue(reaches(c, a), "hosts still reach a");
        net.partitions().heal();
        assertTrue(rootReaches(a));
    }

    @Test
    @Order(5)
    void oneWayDropsOnlyOneDirection() {
        net.partitions().oneWay(a, b);
        // Datagrams to a closed port show what arrives: the receiver counts them as Udp NoPorts.
        long bBefore = udpNoPorts(b);
        long aBefore = udpNoPorts(a);
        sendDatagrams(a, b, 3);
        sendDatagrams(b, a, 3);
        Processes.sleep(200);
        assertEquals(bBefore, udpNoPorts(b), "nothing from a arrives at b");
        assertEquals(aBefore + 3, udpNoPorts(a), "everything from b arrives at a");
        // TCP needs both directions: b's SYN reaches a, a's SYN-ACK is dropped.
        assertFalse(reaches(a, b));
        assertFalse(reaches(b, a));
        assertTrue(reaches(c, a));
        assertTrue(reaches(c, b));

        net.partitions().heal();
        long bHealed = udpNoPorts(b);
        sendDatagrams(a, b, 2);
        Processes.sleep(200);
        assertEquals(bHealed + 2, udpNoPorts(b));
        assertTrue(reaches(a, b));
    }

    @Test
    @Order(6)
    void routeCheckRefusesAnythingNotOnTheBridge() {
        // ip route get only looks the route up; nothing is sent to these addresses.
        assertThrows(IllegalStateException.class, () -> net.requireOwn("203.0.113.7"));
        assertThrows(IllegalStateException.class, () -> net.requireOwn("127.0.0.1"));
        assertEquals(a.address(), net.requireOwn(a.address()));
        assertThrows(IllegalStateException.class,
                () -> RouteCheck.require(null, "203.0.113.7", net.bridge().name()), "routed via the machine's uplink");
        assertThrows(IllegalStateException.class,
                () -> RouteCheck.require(a.netns(), "203.0.113.7", Host.DEVICE), "no route at all from a host");
        assertThrows(IllegalStateException.class,
                () -> RouteCheck.require(null, net.bridge().address(), net.bridge().name()), "local, not a host");
        assertThrows(IllegalArgumentException.class, () -> net.partitions().majorityRing(List.of(a, b, c)));
    }

    @Test
    @Order(7)
    void closeLeavesNothingWithTheRunId() {
        assertFalse(net.leftovers().isEmpty(), "before close the network is there");
        servers.forEach(s -> s.terminate("TERM", Duration.ofSeconds(5)));
        net.close();
        assertEquals(List.of(), net.leftovers());
    }

    @Test
    @Order(8)
    void watchdogRemovesTheNetworkOfAKilledProcess() throws Exception {
        Path standInDir = Files.createTempDirectory("captier-network-killed-");
        Process standIn = new ProcessBuilder("sleep", "120").start();
        Watchdog standInWatchdog = Watchdog.watching(standIn.pid(), standInDir);
        Network orphan = Network.create(standInWatchdog, standInDir);
        try {
            Host x = orphan.addHost("x");
            orphan.partitions().isolate(x);
            List<String> before = orphan.leftovers();
            assertTrue(before.stream().anyMatch(l -> l.contains(x.netns())), before.toString());
            assertTrue(before.stream().anyMatch(l -> l.contains(orphan.bridge().name())), before.toString());

            standIn.destroyForcibly(); // SIGKILL
            long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            while (!orphan.leftovers().isEmpty() && System.nanoTime() < deadline) {
                Processes.sleep(200);
            }
            assertEquals(List.of(), orphan.leftovers(), "the watchdog removed the killed process's network");
        } finally {
            standIn.destroyForcibly();
            orphan.close();
            standInWatchdog.close();
            Processes.run(List.of("rm", "-rf", "--", standInDir.toString()), Map.of(), null, Duration.ofSeconds(30));
        }
    }

    private OsProcess startRedis(Host h) throws IOException {
        Path d = dir.resolve("redis-" + h.node());
        Files.createDirectories(d);
        List<String> argv = List.of("redis-server", "--bind", h.address(), "--port", Integer.toString(PORT),
                "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", d.toString());
        OsProcess p = OsProcess.launch(h.exec(argv), d.resolve("redis.log"), d, Map.of(), watchdog);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!rootReaches(h)) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new IllegalStateException("redis in " + h + " did not start:\n" + Processes.tail(d.resolve("redis.log"), 20));
            }
            Processes.sleep(50);
        }
        return p;
    }

    /** PING over the bridge from the test JVM. */
    private boolean rootReaches(Host h) {
        try {
            return "PONG".equals(Resp.call(net.requireOwn(h.address()), PORT, null, TIMEOUT, "PING"));
        } catch (IOException e) {
            return false;
        }
    }

    /** redis-cli PING run inside {@code from}; timeout(1) because redis-cli has no read timeout. */
    private boolean reaches(Host from, Host to) {
        Processes.Result r = Processes.run(from.exec(List.of("timeout", "1.5", "redis-cli", "-h", to.address(),
                "-p", Integer.toString(PORT), "PING")), Map.of(), null, Duration.ofSeconds(5));
        return r.ok() && r.out().strip().equals("PONG");
    }

    /** {@code n} datagrams from inside {@code from} to port 9 (discard; nothing listens) of {@code to}. */
    private static void sendDatagrams(Host from, Host to, int n) {
        String script = "for i in $(seq " + n + "); do echo drill > /dev/udp/" + to.address() + "/9; done";
        Processes.runOrThrow(from.exec(List.of("bash", "-c", script)), Map.of(), null, Duration.ofSeconds(5));
    }

    /** The namespace's own count of datagrams that arrived for a port nobody listens on. */
    private static long udpNoPorts(Host h) {
        String snmp = Processes.runOrThrow(h.exec(List.of("cat", "/proc/net/snmp")), Map.of(), null,
                Duration.ofSeconds(5));
        List<String> udp = snmp.lines().filter(l -> l.startsWith("Udp: ")).toList();
        List<String> names = List.of(udp.get(0).split("\\s+"));
        return Long.parseLong(udp.get(1).split("\\s+")[names.indexOf("NoPorts")]);
    }
}
