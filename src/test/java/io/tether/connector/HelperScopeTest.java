package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.argv.Host;
import io.tether.argv.LocalPath;
import io.tether.argv.MountOption;
import io.tether.argv.MountOptions;
import io.tether.argv.MountSource;
import io.tether.argv.Program;
import io.tether.argv.RemotePath;
import io.tether.argv.VfsType;
import io.tether.argv.Word;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a mount command is run so that the helper it leaves behind outlives the worker: under
 * systemd, the command line that puts it in a scope of its own (this machine has no systemd to run
 * it); without, for real, a session and process group of its own for everything it starts.
 */
class HelperScopeTest {
    @TempDir
    Path tmp;

    private static Command mount() {
        return Command.of(Program.MOUNT.providedBy("glusterfs-client")).arg(Word.TYPE, new VfsType("glusterfs"), Word.OPTIONS,
                new MountOptions(List.of(new MountOption("log-level", "WARNING"))),
                new MountSource(new Host("h"), -1, new RemotePath("/vol")), new LocalPath("/mnt/glusterSD/h:_vol"));
    }

    @Test
    void underSystemdTheMountRunsInATransientScopeOfTheMountsSlice() {
        Command wrapped = HelperScope.systemd().wrap(mount(), Path.of("/mnt/glusterSD/h:_vol"));
        List<String> argv = wrapped.argv();
        assertEquals(List.of("systemd-run", "--scope", "--slice=tether-mounts.slice"), argv.subList(0, 3));
        assertTrue(argv.get(3).matches("--unit=tether-mount-h:_vol-[0-9a-f]{8}"), argv.get(3));
        assertEquals(List.of("--quiet", "mount", "-t", "glusterfs", "-o", "log-level=WARNING", "h:/vol",
                "/mnt/glusterSD/h:_vol"), argv.subList(4, argv.size()));
        assertEquals("systemd-run", wrapped.tool());
        assertEquals("systemd", wrapped.installHint());
        assertTrue(wrapped.toString().endsWith(" --quiet mount -t glusterfs -o log-level=WARNING h:/vol /mnt/glusterSD/h:_vol"),
                wrapped.toString());
        assertNotEquals(wrapped.argv().get(3), HelperScope.systemd().wrap(mount(), Path.of("/mnt/glusterSD/h:_vol"))
                .argv().get(3), "a new mount at the same point gets a unit of its own");
    }

    @Test
    void aUnitNameHoldsOnlyWhatSystemdTakes() {
        assertEquals("_2001:db8::1_:_exp", HelperScope.unitName(Path.of("/m/[2001:db8::1]:_exp")));
        assertEquals("h:_a_b", HelperScope.unitName(Path.of("/m/h:_a b")));
        assertEquals(100, HelperScope.unitName(Path.of("/m/" + "x".repeat(300))).length());
    }

    @Test
    void withoutSystemdTheMountRunsInASessionOfItsOwn() {
        Command wrapped = HelperScope.ownSession().wrap(mount(), Path.of("/mnt/x"));
        assertEquals("setsid --wait mount -t glusterfs -o log-level=WARNING h:/vol /mnt/glusterSD/h:_vol", wrapped.toString());
        assertEquals("setsid", wrapped.tool());
    }

    /**
     * What the command leaves running in the background, as a FUSE helper's ssh is, is in neither
     * the worker's process group nor its session, and the command's exit code is its own.
     */
    @Test
    void whatTheCommandLeavesRunningIsOutsideTheWorkersGroupAndSession() throws Exception {
        Path pidFile = tmp.resolve("pid");
        Path script = Files.writeString(tmp.resolve("leave-one-running"), "#!/bin/sh\nsleep 60 &\necho $! > " + pidFile
                + "\nexit 3\n");
        script.toFile().setExecutable(true);
        Command left = Command.of(new Program(script.toString(), "coreutils"));
        CommandRunner.Result result = new CommandRunner().run(HelperScope.ownSession().wrap(left, tmp), Duration.ofSeconds(10));
        assertEquals(3, result.exitCode(), result.toString());
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        try {
            long[] mine = groupAndSession(ProcessHandle.current().pid());
            long[] its = await().atMost(Duration.ofSeconds(5)).until(() -> groupAndSession(pid), g -> g != null);
            assertNotEquals(mine[0], its[0], "process group");
            assertNotEquals(mine[1], its[1], "session");
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** pgrp and session from /proc/PID/stat (fields 5 and 6, after the parenthesised name). */
    private static long[] groupAndSession(long pid) throws Exception {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        Optional<String> text = Files.exists(stat) ? Optional.of(Files.readString(stat)) : Optional.empty();
        if (text.isEmpty()) {
            return null;
        }
        String[] f = text.get().substring(text.get().lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
    }
}
