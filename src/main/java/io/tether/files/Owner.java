package io.tether.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who may own what a root process trusts. The worker's own files must be its user's ({@link #SELF});
 * what it shares with root-made parts of the system (the directories above its files, the mount
 * root, a device node) may also be root's, and the CLI reads the worker's files, which are root's
 * when it runs as another user ({@link #ROOT_OR_SELF}).
 */
public enum Owner {
    /** The effective uid of this process only. */
    SELF,
    /** Root, or the effective uid of this process. */
    ROOT_OR_SELF;

    /**
     * The JDK has no call for geteuid(2); the kernel's account of this process has it, the second
     * of the real, effective, saved and file-system uids on its {@code Uid:} line. Read there
     * rather than through a native call, which would load a native-access library into every CLI
     * command for one number. Read once: it never changes.
     */
    private static final int EUID = effectiveUid(Path.of("/proc/self/status"));

    static int effectiveUid(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring("Uid:".length()).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this process's uid from " + status, e);
        }
        throw new IllegalStateException(status + " has no Uid: line");
    }

    /** This process's effective uid: the owner of what it creates. */
    public static int self() {
        return EUID;
    }

    /** Whether a file owned by {@code uid} is trusted. */
    public boolean accepts(int uid) {
        return uid == EUID || this == ROOT_OR_SELF && uid == 0;
    }

    /** Who that is, for a message: "root", or "root or uid 1000". */
    String described() {
        if (EUID == 0) {
            return "root";
        }
        return (this == ROOT_OR_SELF ? "root or " : "") + "uid " + EUID + " (this process's user)";
    }
}
