package io.tether.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Another user of the machine, unprivileged ({@code nobody}, through {@code runuser}): what a
 * local attacker does, done for real. Needs root (the tests skip without it, and CI runs as root).
 */
public final class LocalUser {
    public static final String NAME = "nobody";
    public static final int UID = 65534;

    private LocalUser() {
    }

    /** Skips the test unless it runs as root with runuser. */
    public static void need() {
        Requirements.needRoot();
        Requirements.needTool("runuser", "util-linux");
    }

    /**
     * A directory like {@code /tmp} in {@code tmp}: anyone may add to it, only an entry's owner
     * remove it (mode 1777); {@code tmp} is opened for others to traverse.
     */
    public static Path sharedDir(Path tmp) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Host.ok(10, "chmod", "1777", shared.toString());
        return shared;
    }

    /** Runs {@code command} as this user; it must succeed. */
    public static String run(String... command) {
        return Host.ok(120, asUser(command));
    }

    /** Runs {@code command} as this user, whatever its exit code. */
    public static Host.Ran attempt(String... command) {
        return Host.run(120, asUser(command));
    }

    private static String[] asUser(String... command) {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", NAME, "--"));
        full.addAll(List.of(command));
        return full.toArray(String[]::new);
    }
}
