package io.captier.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EntryTest {

    @Test
    void higherVersionWinsAndTiesGoToTheGreaterOrigin() {
        Entry a = new Entry("k", new byte[]{1}, "x", 10, "instance-a", false);
        Entry b = new Entry("k", new byte[]{2}, "x", 10, "instance-b", false);
        Entry later = Entry.tombstone("k", 11, "instance-a");
        assertTrue(b.supersedes(a));
        assertFalse(a.supersedes(b));
        assertFalse(a.supersedes(a), "an entry does not supersede itself");
        assertTrue(later.supersedes(b));
        assertTrue(a.supersedes(null));
    }
}
