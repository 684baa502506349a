package io.tether.files;

import com.sun.jna.Library;
import com.sun.jna.Native;

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

    private interface C extends Library {
        int geteuid();
    }

    /** The JDK has no call for geteuid(2); JNA calls the C library's. Read once: it never changes. */
    private static final int EUID = Native.load("c", C.class).geteuid();

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
