package io.tether.argv;

import java.util.regex.Pattern;

/**
 * A host program Tether runs, and the package that provides it, named when it is missing. The
 * programs are these constants; a program is never named by a request.
 *
 * @param name        the program's name, looked up on the path, or an absolute path
 * @param installHint the package to install when it is missing
 */
public record Program(String name, String installHint) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9._+-]*|/[A-Za-z0-9._+/-]+");

    public static final Program MOUNT = new Program("mount", "util-linux");
    public static final Program UMOUNT = new Program("umount", "util-linux");
    public static final Program STAT = new Program("stat", "coreutils");
    public static final Program DD = new Program("dd", "coreutils");
    public static final Program REALPATH = new Program("realpath", "coreutils");
    public static final Program ISCSIADM = new Program("iscsiadm", "open-iscsi");
    public static final Program ISCSI_INQ = new Program("iscsi-inq", "libiscsi-bin");
    public static final Program MULTIPATHD = new Program("multipathd", "multipath-tools");
    public static final Program NVME = new Program("nvme", "nvme-cli");
    public static final Program SYSTEMD_RUN = new Program("systemd-run", "systemd");
    public static final Program SETSID = new Program("setsid", "util-linux");

    public Program {
        if (name == null || !NAME.matcher(name).matches() || name.contains("/-") || name.contains("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a program name or absolute path");
        }
        if (installHint == null || installHint.isBlank()) {
            throw new IllegalArgumentException("a program needs the package that provides it");
        }
    }

    /** This program, reported missing as provided by {@code package} (mount: the type's helper package). */
    public Program providedBy(String hint) {
        return new Program(name, hint);
    }
}
