package io.captier.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyEncodingTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "greeting            | greeting",
            "AZaz09-._~          | AZaz09-._~",
            "a/b                 | a%2Fb",
            "a;b                 | a%3Bb",
            "100%                | 100%25",
            "'a b'               | a%20b",
            "a+b                 | a%2Bb",
            "a?b#c               | a%3Fb%23c",
            "'x,y=z&:@!$*()'''   | x%2Cy%3Dz%26%3A%40%21%24%2A%28%29%27",
            "é                   | %C3%A9",
            "日本                 | %E6%97%A5%E6%9C%AC",
            "😀                  | %F0%9F%98%80",
            "...                 | ...",
            ".a                  | .a",
    })
    void encodesEveryByteOutsideUnreservedAsUpperCaseHex(String key, String segment) {
        assertEquals(segment, KeyEncoding.encode(key));
    }

    @Test
    void aSegmentDecodesBackToTheKeyAndIsOneSegmentOfAValidUri() {
        String key = "ünï/cöde;+ %25 ☃ 😀 \"<>\\^`{|}";
        String segment = KeyEncoding.encode(key);
        assertTrue(segment.chars().allMatch(c -> c < 0x80), "ASCII only");
        URI uri = URI.create("http://h/read/" + segment);
        assertEquals("/read/" + segment, uri.getRawPath(), "no character a URI would change");
        assertEquals(key, URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
    }

    @Test
    void theLongestKeyIs512BytesOfUtf8() {
        assertEquals(512 * 3, KeyEncoding.encode("/".repeat(512)).length());
        assertEquals(512 * 3, KeyEncoding.encode("日".repeat(170) + "é").length(), "510 + 2 bytes");
        assertThrows(IllegalArgumentException.class, () -> KeyEncoding.encode("a".repeat(513)));
        assertThrows(IllegalArgumentException.class, () -> KeyEncoding.encode("é".repeat(257)), "514 bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a\nb", "tab\there", "nul\u0000", "del\u007f", "c1\u0085",
            "lone\ud800", "\udc00low", "pair-reversed\udc00\ud800"})
    void refusesKeysThatCannotBeStoredOrAddressed(String key) {
        assertThrows(IllegalArgumentException.class, () -> KeyEncoding.encode(key));
    }

    @Test
    void refusesNull() {
        assertThrows(IllegalArgumentException.class, () -> KeyEncoding.encode(null));
    }
}
