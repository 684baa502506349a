package io.tether.argv;

import java.util.regex.Pattern;

/** A transient systemd scope's name for one mount: {@code tether-mount-NAME-RANDOM}. */
public record UnitName(String text) implements Arg {
    private static final Pattern GRAMMAR = Pattern.compile("tether-mount-[A-Za-z0-9:_.]{1,100}-[0-9a-f]{8}");

    public UnitName {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not a mount scope's unit name");
        }
    }
}
