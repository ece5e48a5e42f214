package io.captier.api;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PathSegmentsTest {

    @Test
    void decodesEveryEscapeAsOneByteOfUtf8() {
        assertEquals(Optional.of("café"), PathSegments.decode("caf%C3%A9"));
        assertEquals(Optional.of("\uD83D\uDD11"), PathSegments.decode("%F0%9F%94%91"));
        assertEquals(Optional.of("a/b;c"), PathSegments.decode("a%2Fb%3bc"));
        assertEquals(Optional.of("a+b"), PathSegments.decode("a+b"), "a plus sign is a plus sign in a path");
        assertEquals(Optional.of("a b"), PathSegments.decode("a%20b"));
        assertEquals(Optional.of("\u0000"), PathSegments.decode("%00"), "decoded: Keys refuses control characters");
    }

    @Test
    void refusesWhatIsNotValidUtf8InsteadOfGuessing() {
        for (String bad : new String[] {"%FF", "%80", "%E2%82", "%E2%82x", "%C0%AF", "%C1%BF", "%E0%80%AF",
                "%ED%A0%80", "%ED%BF%BF", "%F4%90%80%80", "%F5%80%80%80", "a%C3"}) {
            assertEquals(Optional.empty(), PathSegments.decode(bad), bad);
        }
    }

    @Test
    void refusesMalformedEscapesAndRawBytes() {
        for (String bad : new String[] {"%", "%2", "%zz", "a%g0", "caf\u00c3\u00a9", "a b", "tab\t"}) {
            assertEquals(Optional.empty(), PathSegments.decode(bad), bad);
        }
    }
}
