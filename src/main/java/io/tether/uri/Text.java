package io.tether.uri;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text from outside the worker, made safe to use: bytes decoded only when they are valid UTF-8, and
 * values cut short before they are quoted in an error message, so a huge or hostile value cannot
 * flood a reply or a log line.
 */
public final class Text {
    /** How much of a value {@link #shorten(String)} keeps. */
    public static final int SHORT = 120;

    private Text() {
    }

    /**
     * Decodes {@code bytes} as UTF-8, refusing malformed input rather than replacing it with
     * U+FFFD: text that is not what its sender wrote must not be taken for what they meant.
     */
    public static String decodeUtf8Strictly(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    /** {@code s} cut to {@value #SHORT} characters and marked with "..." when it is longer. */
    public static String shorten(String s) {
        return shorten(s, SHORT);
    }

    /** {@code s} cut to {@code max} characters and marked with "..." when it is longer. */
    public static String shorten(String s, int max) {
        return s.length() > max ? s.substring(0, max) + "..." : s;
    }
}
