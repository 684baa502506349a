package io.tether.cli;

/**
 * Text from a worker, a broker or the command line, made to fit on one line of human output: a
 * {@code lastError} holding mount's multi-line output must not split an event line or a table row.
 * Newline, carriage return and tab become {@code \n}, {@code \r} and {@code \t}; every other control
 * character (C0, DEL, C1) and the Unicode line and paragraph separators become {@code \}{@code uXXXX}.
 * Backslashes stay as they are: the exact text is what {@code --json} is for.
 */
final class OneLine {
    private OneLine() {
    }

    static String of(String text) {
        StringBuilder line = new StringBuilder(text.length());
        text.chars().forEach(c -> line.append(escape((char) c)));
        return line.toString();
    }

    private static String escape(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                    ? String.format("\\u%04X", (int) c) : String.valueOf(c);
        };
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
