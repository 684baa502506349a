package io.tether.argv;

import java.util.regex.Pattern;

/**
 * A file-system type as {@code mount -t} takes one: one type, never a comma-separated list of them
 * ({@code nfs}, {@code fuse.sshfs}).
 */
public record VfsType(String text) implements Arg {
    /** Lower-case letters, digits, '.', '_' and '-', starting with a letter or digit. */
    public static final Pattern GRAMMAR = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public VfsType {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not a file system type as mount -t takes one"
                    + " (1 to 64 lower-case letters, digits, '.', '_', '-', starting with a letter or digit)");
        }
    }
}
