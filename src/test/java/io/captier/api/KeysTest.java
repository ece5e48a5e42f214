package io.captier.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeysTest {

    @Test
    void acceptsUnicodeUpTo512Bytes() {
        assertEquals("ключ-🔑", Keys.valid("ключ-🔑"));
        String max = "é".repeat(256); // 2 bytes each
        assertEquals(max, Keys.valid(max));
    }

    @Test
    void refusesEmptyLongAndControlCharacters() {
        assertThrows(Problem.ProblemException.class, () -> Keys.valid(""));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("x".repeat(513)));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("é".repeat(257)));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("a\u0000b"));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("tab\there"));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("del\u007f"));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("c1\u0085"));
    }

    @Test
    void aKeyIsExactlyItsSegmentDecodedStrictly() {
        assertEquals("a;b", Keys.fromSegment("a%3Bb"));
        assertEquals("a/b", Keys.fromSegment("a%2Fb"));
        assertThrows(Problem.ProblemException.class, () -> Keys.fromSegment("%FF"));
        assertThrows(Problem.ProblemException.class, () -> Keys.fromSegment("%00"));
        assertThrows(Problem.ProblemException.class, () -> Keys.fromSegment(""));
    }

    @Test
    void refusesBrokenSurrogates() {
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("a\uD83Db"));
        assertThrows(Problem.ProblemException.class, () -> Keys.valid("\uDD11"));
    }
}
