package io.captier.cluster.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The address arithmetic and the parsing of ip's output behind the harness's safety checks. */
class SubnetTest {

    @Test
    void addressesOfTheRun() {
        Subnet s = new Subnet(57);
        assertEquals("10.213.57.0/24", s.cidr());
        assertEquals("10.213.57.1", s.bridgeAddress());
        assertEquals("10.213.57.11", s.hostAddress(0));
        assertTrue(s.contains("10.213.57.254"));
        assertFalse(s.contains("10.213.58.1"));
        assertThrows(IllegalArgumentException.class, () -> s.hostAddress(Subnet.MAX_HOSTS));
    }

    @Test
    void overlapIsDecidedByTheShorterPrefix() {
        assertTrue(Subnet.overlaps("10.0.0.0/8", "10.213.57.0/24"));
        assertTrue(Subnet.overlaps("10.213.57.0/24", "10.213.57.9"));
        assertFalse(Subnet.overlaps("10.213.56.0/24", "10.213.57.0/24"));
        assertFalse(Subnet.overlaps("192.0.2.0/24", "10.213.57.0/24"));
        assertTrue(Subnet.overlaps("0.0.0.0/0", "10.213.57.0/24"));
    }

    @Test
    void pickFreeAvoidsEverySubnetInUse() {
        List<String> inUse = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            if (i != 99) {
                inUse.add("10.213." + i + ".0/24");
            }
        }
        assertEquals(new Subnet(99), Subnet.pickFree(new Random(1), inUse));
        assertThrows(IllegalStateException.class, () -> Subnet.pickFree(new Random(1), List.of("10.213.0.0/16")));
    }

    @Test
    void routeDestinationsSkipTypeWordsAndDefault() {
        String routes = """
                default via 192.0.2.1 dev eth0
                192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
                local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1
                broadcast 10.213.5.255 dev cptxbr table local proto kernel scope link src 10.213.5.1
                """;
        assertEquals(List.of("192.0.2.0/24", "127.0.0.1", "10.213.5.255"), Subnet.routeDestinations(routes));
    }

    @Test
    void routeCheckAcceptsOnlyDirectRoutesOnTheGivenDevice() {
        assertNull(RouteCheck.problem("10.213.5.11 dev cptabcdefbr src 10.213.5.1 uid 0\n    cache", "cptabcdefbr"));
        assertNotEquals(null, RouteCheck.problem("10.213.5.11 via 192.0.2.1 dev eth0 src 192.0.2.2 uid 0",
                "cptabcdefbr"));
        assertNotEquals(null, RouteCheck.problem("10.213.5.11 dev eth0 src 192.0.2.2 uid 0", "cptabcdefbr"));
        assertNotEquals(null, RouteCheck.problem("local 10.213.5.1 dev lo src 10.213.5.1 uid 0", "lo"));
    }

    @Test
    void bridgeKeepsASubnetOnlyWhenItsRoutesAreAllOnIt() {
        String mine = """
                default via 192.0.2.1 dev eth0
                10.213.5.0/24 dev cptabcdefbr proto kernel scope link src 10.213.5.1 linkdown
                local 10.213.5.1 dev cptabcdefbr table local proto kernel scope host src 10.213.5.1
                """;
        assertTrue(Bridge.onlyOn(mine, "cptabcdefbr"));
        assertFalse(Bridge.onlyOn(mine + "10.213.5.0/24 dev cptzzzzzzbr proto kernel scope link\n", "cptabcdefbr"));
    }
}
