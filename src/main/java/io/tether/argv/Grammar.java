package io.tether.argv;

import java.nio.charset.StandardCharsets;

/**
 * The character rules every part of a host program's argument list is checked against. What no
 * part may hold, whatever program takes it: whitespace (a script splits words there, and
 * mount.glusterfs runs its command line as an unquoted {@code $cmd_line}), control and format
 * characters (a newline splits a node record or a log line; a bidirectional override hides what a
 * log line says), and a leading {@code -} (an option to whoever reads it as a word). Each part then
 * allows a few punctuation characters of its own; everything a shell would read ({@code "'`$\;&|<>(){}*?!#})
 * is in none of those lists.
 *
 * <p>A failure is an {@link IllegalArgumentException} whose message is a predicate of the part
 * ("holds whitespace"), to be put after its name, and never quotes the text: it may hold a piece of
 * a secret that a misplaced character moved there.
 */
final class Grammar {
    /** Punctuation a path segment may hold besides letters and digits. */
    static final String PATH_PUNCTUATION = "._-+@=,~%";
    /** Punctuation a local path may hold: a mount directory's name holds the spec's {@code host:} and an IPv6 host's brackets. */
    static final String LOCAL_PATH_PUNCTUATION = PATH_PUNCTUATION + ":[]";
    /** Punctuation a mount option's value may hold: never ',' (the list's separator), '"' or '\' (libmount's quoting). */
    static final String VALUE_PUNCTUATION = "._-+@=:/%~[]";

    private Grammar() {
    }

    /**
     * Checks {@code text} holds at least one character, at most {@code maxBytes} bytes of UTF-8, no
     * whitespace, control or format character, does not start with '-', and that every other
     * character is a letter or digit (of any script, when {@code anyScript}; ASCII otherwise) or in
     * {@code punctuation}.
     */
    static void check(String text, int maxBytes, boolean anyScript, String punctuation) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("is empty");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new IllegalArgumentException("is longer than " + maxBytes + " bytes");
        }
        if (text.startsWith("-")) {
            throw new IllegalArgumentException("starts with '-', which a program would read as an option");
        }
        text.codePoints().forEach(c -> {
            if (isSpace(c)) {
                throw new IllegalArgumentException("holds whitespace, where a script splits one argument in two");
            }
            if (isControlOrFormat(c)) {
                throw new IllegalArgumentException("holds a control or format character");
            }
            boolean letterOrDigit = anyScript ? Character.isLetterOrDigit(c)
                    : c < 0x80 && Character.isLetterOrDigit(c);
            if (!letterOrDigit && punctuation.indexOf(c) < 0) {
                throw new IllegalArgumentException("may hold only " + (anyScript ? "letters, digits" : "ASCII letters, digits")
                        + (punctuation.isEmpty() ? "" : ", " + describe(punctuation)));
            }
        });
    }

    /** Whitespace of any script, the no-break spaces included. */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** C0 and C1 controls, DEL, format characters (bidirectional overrides, zero-width joiners), surrogates and unassigned or private code points. */
    static boolean isControlOrFormat(int c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** {@code ._-} as {@code '.', '_', '-'}. */
    static String describe(String punctuation) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < punctuation.length(); i++) {
            sb.append(i == 0 ? "" : i == punctuation.length() - 1 ? " and " : ", ").append('\'').append(punctuation.charAt(i)).append('\'');
        }
        return sb.toString();
    }
}
