package io.tether.cli;

/**
 * Text from a worker, a broker or the command line, made to fit on one line of human output and
 * to show on a terminal as what it is: a {@code lastError} holding mount's multi-line output must
 * not split an event line or a table row, and a CID must not make a terminal show another.
 * Newline, carriage return and tab become {@code \n}, {@code \r} and {@code \t}; every other
 * control character (C0, DEL, C1), the Unicode line and paragraph separators and every format
 * character (the bidirectional overrides and isolates such as U+202E, the zero-width joiners
 * such as U+200D, the byte order mark U+FEFF) become {@code \}{@code uXXXX}. Backslashes stay as
 * they are: the exact text is what {@code --json} is for.
 */
final class OneLine {
    private OneLine() {
    }

    static String of(String text) {
        StringBuilder line = new StringBuilder(text.length());
        text.codePoints().forEach(c -> escape(line, c));
        return line.toString();
    }

    /**
     * A message of several lines, such as mount's (each line after the first indented), as one:
     * its lines without their indentation, joined by a space. What it still holds that cannot be
     * shown as it is, {@link #of} escapes.
     */
    static String joined(String message) {
        return message.strip().replaceAll("\\h*\\R\\s*", " ").strip();
    }

    private static void escape(StringBuilder line, int c) {
        switch (c) {
            case '\n' -> line.append("\\n");
            case '\r' -> line.append("\\r");
            case '\t' -> line.append("\\t");
            default -> {
                if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || Character.getType(c) == Character.FORMAT) {
                    // A code point beyond U+FFFF (a tag character) as its two UTF-16 halves, as JSON writes it.
                    for (char unit : Character.toChars(c)) {
                        line.append(String.format("\\u%04X", (int) unit));
                    }
                } else {
                    line.appendCodePoint(c);
                }
            }
        }
    }

    /** Prints {@code text} to standard output as one line. */
    static void out(String text) {
        System.out.println(of(text));
    }

    /** Prints {@code text} to standard error as one line. */
    static void err(String text) {
        System.err.println(of(text));
    }
}
