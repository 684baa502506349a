package io.tether.argv;

import java.util.regex.Pattern;

/** An NVMe controller's name as sysfs shows it and {@code nvme disconnect --device=} takes it: {@code nvme3}. */
public record ControllerName(String text) implements Arg {
    public static final Pattern GRAMMAR = Pattern.compile("nvme[0-9]{1,9}");

    public ControllerName {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not an NVMe controller name (nvmeN)");
        }
    }
}
