package io.tether.argv;

import java.util.regex.Pattern;

/** An iSCSI session's number, as sysfs names it ({@code session3}) and {@code iscsiadm -r} takes it. */
public record SessionId(String text) implements Arg {
    private static final Pattern GRAMMAR = Pattern.compile("[0-9]{1,9}");

    public SessionId {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not a session number");
        }
    }
}
