package io.tether.argv;

import java.util.regex.Pattern;

/** A GlusterFS volume's name: ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'. */
public record GlusterVolume(String text) {
    private static final Pattern GRAMMAR = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public GlusterVolume {
        if (text == null || !GRAMMAR.matcher(text).matches() || text.equals(".") || text.equals("..")) {
            throw new IllegalArgumentException("may hold only ASCII letters, digits, '_', '.' and '-', not first,"
                    + " at most 128 of them");
        }
    }
}
