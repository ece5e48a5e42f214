package io.captier.cluster.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.captier.cluster.network.Partitions.Cut;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The majority-ring rule; the rules' effect on real traffic is NetworkHarnessIT's. */
class PartitionsTest {

    @Test
    void fiveNodeRingEachSeesItsOwnMajority() {
        List<String> ring = List.of("a", "b", "c", "d", "e");
        List<Cut> cuts = Partitions.ringCuts(ring);
        Set<Set<String>> seen = new HashSet<>();
        for (String self : ring) {
            Set<String> reach = new HashSet<>(ring);
            cuts.stream().filter(c -> c.from().equals(self)).forEach(c -> reach.remove(c.to()));
            assertEquals(3, reach.size(), self + " sees " + reach);
            seen.add(reach);
        }
        assertEquals(5, seen.size(), "every node sees a different majority");
        assertEquals(Set.of("e", "a", "b"), reachOf("a", ring, cuts));
        // cuts are symmetric
        cuts.forEach(c -> assertEquals(true, cuts.contains(new Cut(c.to(), c.from())), c.toString()));
    }

    @Test
    void fourAndSixNodeRings() {
        List<String> four = List.of("a", "b", "c", "d");
        assertEquals(Set.of("d", "a", "b"), reachOf("a", four, Partitions.ringCuts(four)));
        List<String> six = List.of("a", "b", "c", "d", "e", "f");
        assertEquals(Set.of("e", "f", "a", "b", "c"), reachOf("a", six, Partitions.ringCuts(six)));
    }

    @Test
    void threeNodesHaveNoRing() {
        assertThrows(IllegalArgumentException.class, () -> Partitions.ringCuts(List.of("a", "b", "c")));
    }

    private static Set<String> reachOf(String self, List<String> ring, List<Cut> cuts) {
        Set<String> reach = new HashSet<>(ring);
        cuts.stream().filter(c -> c.from().equals(self)).forEach(c -> reach.remove(c.to()));
        return reach;
    }
}
