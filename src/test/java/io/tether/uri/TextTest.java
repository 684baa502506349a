package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Text from outside made safe to quote: a value is cut at the limit and marked, one at the limit
 * is kept whole; bytes are decoded only when they are valid UTF-8.
 */
class TextTest {

    @Test
    void aValueUpToTheLimitIsKeptWhole() {
        String limit = "x".repeat(Text.SHORT);
        assertEquals(limit, Text.shorten(limit));
        assertEquals("abc", Text.shorten("abc", 3));
    }

    @Test
    void aLongerValueIsCutAtTheLimitAndMarked() {
        assertEquals("x".repeat(Text.SHORT) + "...", Text.shorten("x".repeat(Text.SHORT + 1)));
        assertEquals("abc...", Text.shorten("abcd", 3));
    }

    @Test
    void validUtf8IsDecodedAndInvalidIsRefused() throws Exception {
        assertEquals("Grüße", Text.decodeUtf8Strictly("Grüße".getBytes(StandardCharsets.UTF_8)));
        assertThrows(CharacterCodingException.class, () -> Text.decodeUtf8Strictly(new byte[] {(byte) 0xc3}));
    }
}
