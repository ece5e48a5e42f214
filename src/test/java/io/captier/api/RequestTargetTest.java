package io.captier.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RequestTargetTest {

    @Test
    void anOrdinaryTargetPasses() {
        assertNull(RequestTarget.refusal("/write/a%2Fb%3Bc/v"));
        assertNull(RequestTarget.refusal("/read/k?x=1"));
        assertNull(RequestTarget.refusal("/read/" + "k".repeat(RequestTarget.MAX_CHARS - 6)));
    }

    @Test
    void whatIsNoUriIsABadPath() {
        for (String bad : new String[] {"", "/write/%zz/v", "/write/%2/v", "/read/a%", "/read/a\u0000b", "/read/a b",
                "/health\\..\\nodes", "/read/a|b", "/read/{k}", "/read/caf\u00c3\u00a9", "/read/k\u007f"}) {
            assertEquals(ProblemType.BAD_PATH.uri(), RequestTarget.refusal(bad).body().get("type"), bad);
        }
    }

    @Test
    void aTargetOverTheLimitIs414() {
        assertEquals(414, RequestTarget.refusal("/read/" + "k".repeat(RequestTarget.MAX_CHARS)).status());
    }

    @Test
    void matrixParametersEmptyAndDotSegmentsAreFoundInAnySegment() {
        for (String bad : new String[] {"/write;x/k/v", "/write/a;b/v", "/nodes;", "//write/k/v", "/write//v",
                "/write/k/", "/write/./v", "/write/%2E/v", "/write/k/%2e%2e", "/write/.%2e/x", "/./write/k"}) {
            assertEquals(400, RequestTarget.ambiguousSegments(bad).status(), bad);
        }
        assertNull(RequestTarget.ambiguousSegments("/write/a%3Bb/v"), "an encoded ';' is part of a key");
        assertNull(RequestTarget.ambiguousSegments("/write/.a/..b"), "dots in a key are fine");
        assertNull(RequestTarget.ambiguousSegments("/write/a%2F%2Fb/v"), "an encoded '/' is part of a key");
    }
}
