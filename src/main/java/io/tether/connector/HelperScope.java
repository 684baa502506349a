package io.tether.connector;

import io.tether.argv.Joined;
import io.tether.argv.Program;
import io.tether.argv.UnitName;
import io.tether.argv.Word;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a mount command runs, so that what it leaves running (a FUSE file system's daemon, and the
 * ssh that sshfs talks through) outlives the worker however the worker ends. Under systemd, stopping
 * the service kills every process in its cgroup: the mount runs in a transient scope of its own in
 * {@link #SLICE}, as VDSM runs its GlusterFS client (docs/connectors.md, "Helpers outlive the
 * worker"). Without systemd (a container, CI) a signal to the worker's process group or session
 * (Ctrl-C, a closed terminal, {@code kill -9 -PGID}) would reach the children mount starts before
 * they daemonise: the mount runs in a new session and process group of its own.
 */
public final class HelperScope {
    /** The slice that holds the mount scopes, beside (not below) the worker's service. */
    public static final String SLICE = "tether-mounts.slice";
    private static final Path SYSTEMD_RUNNING = Path.of("/run/systemd/system");
    private static final int MAX_NAME = 100;

    private final boolean systemd;

    private HelperScope(boolean systemd) {
        this.systemd = systemd;
    }

    /** A systemd scope when systemd runs this host (sd_booted(3)'s test), else a session of its own. */
    public static HelperScope ofHost() {
        return Files.isDirectory(SYSTEMD_RUNNING) ? systemd() : ownSession();
    }

    /** {@code systemd-run --scope --slice=tether-mounts.slice --unit=tether-mount-NAME-RANDOM --quiet COMMAND}. */
    public static HelperScope systemd() {
        return new HelperScope(true);
    }

    /** {@code setsid --wait COMMAND}. */
    public static HelperScope ownSession() {
        return new HelperScope(false);
    }

    /** {@code mount}, to be run so that what it starts outlives the worker; {@code mountPoint} names its scope. */
    public Command wrap(Command mount, Path mountPoint) {
        if (systemd) {
            // A unit name is unique while the unit lives: a helper left hanging after a lazy unmount
            // keeps its scope, so a new mount at the same point needs a name of its own.
            UnitName unit = new UnitName("tether-mount-" + unitName(mountPoint) + "-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
            // --quiet: "Running scope as unit ..." on stderr would stand before mount's own words.
            return mount.wrappedIn(Command.of(Program.SYSTEMD_RUN).arg(Word.SCOPE, Word.SLICE, new Joined(Word.UNIT, unit),
                    Word.QUIET));
        }
        // A child of the JVM is no process group leader, so setsid(1) calls setsid(2) and execs
        // mount in place; --wait keeps mount's exit code should it have to fork instead.
        return mount.wrappedIn(Command.of(Program.SETSID).arg(Word.WAIT));
    }

    /** The mount directory's name with what a unit name may not hold replaced by {@code _}, shortened. */
    static String unitName(Path mountPoint) {
        Path name = mountPoint.getFileName();
        String s = (name == null ? "root" : name.toString()).replaceAll("[^A-Za-z0-9:_.]", "_");
        s = s.isEmpty() ? "root" : s;
        return s.length() > MAX_NAME ? s.substring(0, MAX_NAME) : s;
    }

    @Override
    public String toString() {
        return systemd ? "systemd scope in " + SLICE : "own session";
    }
}
