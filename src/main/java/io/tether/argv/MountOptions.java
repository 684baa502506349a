package io.tether.argv;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The option list of {@code mount -o}: options separated by ','. Never a secret one: a command line
 * is readable by every local user ({@code /proc/PID/cmdline}), so secrets reach mount's helper in a
 * file of the worker's own ({@code credentials=}, {@code secretfile=}).
 */
public record MountOptions(List<MountOption> options) implements Arg {
    public MountOptions {
        options = List.copyOf(options);
        if (options.isEmpty()) {
            throw new IllegalArgumentException("an option list has at least one option");
        }
        for (MountOption option : options) {
            if (option.secret()) {
                throw new IllegalArgumentException("mount option '" + option.name() + "' holds a secret, which never goes"
                        + " on a command line");
            }
        }
    }

    @Override
    public String text() {
        return options.stream().map(MountOption::text).collect(Collectors.joining(","));
    }
}
