package io.tether.argv;

import java.util.Locale;
import java.util.regex.Pattern;

/** An NVMe host identifier, a UUID in its lower-case 36-character form, as {@code nvme connect --hostid=} takes it. */
public record HostId(String text) implements Arg {
    private static final Pattern GRAMMAR = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    public HostId {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not a UUID (8-4-4-4-12 lower-case hex digits)");
        }
    }

    /** {@code text} lower-cased, then checked. */
    public static HostId of(String text) {
        return new HostId(text == null ? null : text.strip().toLowerCase(Locale.ROOT));
    }
}
