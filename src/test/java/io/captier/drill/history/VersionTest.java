package io.captier.drill.history;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionTest {

    private static final long MS = 1L << 16; // one millisecond of HLC

    @Test
    void higherVersionWinsWhateverTheOrigin() {
        Version later = new Version(100 * MS + 1, "available-1");
        Version earlier = new Version(100 * MS, "available-2");
        assertTrue(later.supersedes(earlier));
        assertFalse(earlier.supersedes(later));
    }

    @Test
    void equalVersionsAreOrderedByOrigin() {
        Version a = new Version(7 * MS, "available-1");
        Version b = new Version(7 * MS, "available-2");
        assertTrue(b.supersedes(a));
        assertFalse(a.supersedes(b));
        assertFalse(a.supersedes(a), "a write does not supersede itself");
        assertTrue(a.atLeast(a));
        assertFalse(a.atLeast(b));
    }

    @Test
    void anUnknownOriginNeverDecidesATie() {
        Version known = new Version(7 * MS, "available-2");
        Version unknown = new Version(7 * MS, null);
        assertFalse(known.supersedes(unknown));
        assertFalse(unknown.supersedes(known));
        assertTrue(unknown.atLeast(known));
        assertTrue(new Version(8 * MS, null).supersedes(known));
    }

    @Test
    void theComparatorSortsByVersionThenOrigin() {
        Version a = new Version(5, "b");
        Version b = new Version(6, "a");
        Version c = new Version(6, "b");
        assertEquals(List.of(Version.NONE, a, b, c),
                Stream.of(c, a, Version.NONE, b).sorted(Version.SUPERSEDES_ORDER).toList());
        assertEquals(c, Version.max(b, c));
    }
}
