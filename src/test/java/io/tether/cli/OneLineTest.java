package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Human output: one line per entry, and no character that makes a terminal show other text than it holds. */
class OneLineTest {
    @Test
    void controlsSeparatorsAndFormatCharactersAreEscaped() {
        assertEquals("a\\nb\\rc\\td", OneLine.of("a\nb\rc\td"));
        assertEquals("\\u001B[2J \\u007F \\u009B", OneLine.of("\u001B[2J \u007F \u009B"));
        assertEquals("\\u2028\\u2029", OneLine.of("\u2028\u2029"));
        // A right-to-left override makes "cid-\u202Efdp.exe" show as "cid-exe.pdf"; joiners and a BOM hide in a CID.
        assertEquals("cid-\\u202Efdp.exe", OneLine.of("cid-\u202Efdp.exe"));
        assertEquals("a\\u200Db\\u200Bc\\uFEFFd\\u2066e\\u00ADf", OneLine.of("a\u200Db\u200Bc\uFEFFd\u2066e\u00ADf"));
        // A tag character (beyond U+FFFF) as its two UTF-16 halves.
        assertEquals("x\\uDB40\\uDC01", OneLine.of("x\uDB40\uDC01"));
    }

    @Test
    void printableTextOfAnyScriptStaysAsItIs() {
        assertEquals("café ñ 日本 שלום 😀 \\ back", OneLine.of("café ñ 日本 שלום 😀 \\ back"));
    }

    @Test
    void aMultiLineMessageIsJoinedWithoutItsIndentation() {
        assertEquals("mount.nfs: access denied by server while mounting srv:/x",
                OneLine.joined("mount.nfs: access denied by server\n    while mounting srv:/x\n"));
        assertEquals("a b", OneLine.joined("a\r\n\r\n\tb"));
        assertEquals("one line", OneLine.joined("one line"));
    }
}
