package io.tether.argv;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One mount option, {@code name} or {@code name=value}. The name is 1 to 64 letters, digits, '_',
 * '.' and '-', not starting with '-' or '.'. A value is letters and digits of any script and
 * {@code ._-+@=:/%~[]}: never ',' (the list's separator), '"' or '\' (libmount's quoting), and
 * nothing a shell would read, since mount.glusterfs splits and expands its options as shell words.
 * A secret option's value ({@link #isSecretName}) may hold any printable character but ',', as it
 * never reaches a command line: the mount command hands it to its helper in a file of the worker's
 * own.
 *
 * @param name  the option's name
 * @param value its value, or null for a flag
 */
public record MountOption(String name, String value) {
    /** An option name that can be shown in a message and typed on a command line as it is. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final int MAX_VALUE = 1024;

    public MountOption {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("does not start with an option name (1 to 64 letters, digits, '_', '.', '-')");
        }
        if (value != null) {
            if (isSecretName(name)) {
                checkSecret(value);
            } else {
                try {
                    Grammar.check(value, MAX_VALUE, true, Grammar.VALUE_PUNCTUATION);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("has a value that " + e.getMessage());
                }
            }
        }
    }

    /** {@code option} split at its first '='. */
    public static MountOption parse(String option) {
        int eq = option.indexOf('=');
        return eq < 0 ? new MountOption(option, null) : new MountOption(option.substring(0, eq), option.substring(eq + 1));
    }

    /** An option without a value. */
    public static MountOption flag(String name) {
        return new MountOption(name, null);
    }

    /**
     * Whether an option called {@code name} holds a credential: its name holds "pass" or "secret",
     * in any case, and does not end in "file" (ceph's {@code secretfile=} names a file, which is no
     * secret).
     */
    public static boolean isSecretName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return (lower.contains("pass") || lower.contains("secret")) && !lower.endsWith("file");
    }

    /** Whether this option holds a credential. */
    public boolean secret() {
        return value != null && isSecretName(name);
    }

    /** {@code name} or {@code name=value}. */
    public String text() {
        return value == null ? name : name + "=" + value;
    }

    /** {@link #text()}, a secret's value as {@code ***}. */
    public String shown() {
        return secret() ? name + "=***" : text();
    }

    @Override
    public String toString() {
        return shown();
    }

    private static void checkSecret(String value) {
        if (value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("has a value longer than " + MAX_VALUE + " characters");
        }
        value.codePoints().forEach(c -> {
            if (c == ',' || Grammar.isSpace(c) || Grammar.isControlOrFormat(c)) {
                throw new IllegalArgumentException("has a value with ',', whitespace or a control character");
            }
        });
    }
}
