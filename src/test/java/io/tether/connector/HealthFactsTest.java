package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.Health;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the connectors read for health, against host outputs kept under
 * {@code src/test/resources/health} (its README says which were captured on a host and which
 * reconstructed from the kernel's and multipath-tools' sources): mountinfo lines, an iSCSI
 * session's sysfs tree and multipathd's raw path list. Host tools are answered by a scripted
 * runner, so that every case runs in milliseconds; NfsKernelCases and IscsiKernelCases see the same
 * outputs live, from a real kernel in a guest.
 */
class HealthFactsTest {
    private static final String IQN = "iqn.2003-01.org.example:vg1";
    private static final Path RESOURCES = Path.of("src/test/resources/health");

    @TempDir
    Path tmp;

    /** Runs nothing: answers each tool as scripted (exit 0 and no output unless told), and records the commands. */
    static final class ScriptedRunner extends CommandRunner {
        final List<String> commands = new CopyOnWriteArrayList<>();
        final Map<String, Result> answers = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> missing = new CopyOnWriteArrayList<>();
        /** What a tool does to the host, as far as the test's files show it (umount empties the test's mountinfo). */
        final Map<String, java.util.concurrent.Callable<?>> effects = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public Result run(Command command, Duration timeout) throws ToolMissing {
            commands.add(command.toString());
            if (missing.contains(command.tool())) {
                throw new ToolMissing(command);
            }
            if (effects.containsKey(command.tool())) {
                try {
                    effects.get(command.tool()).call();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return answers.getOrDefault(command.tool(), new Result(0, "", ""));
        }
    }

    private static StorageUri uri(String text) throws Exception {
        return UriParser.parse(text);
    }

    private static MountTable.Mount mountAt(String point) throws MountTable.Unreadable {
        return new MountTable(RESOURCES.resolve("mountinfo.txt")).at(Path.of(point)).orElseThrow();
    }

    @Test
    void aFileSystemTheKernelMadeReadOnlyIsReadOnly() throws Exception {
        StorageUri loop = uri("posix:///tmp/hy/d.img?vfsType=ext4&options=loop");
        assertTrue(MountConnector.shown(loop, mountAt("/tmp/hy/m")).readOnly(), "emergency_ro after errors");
        assertTrue(MountConnector.shown(loop, mountAt("/tmp/hy/r")).readOnly(), "remounted ro");
        assertFalse(MountConnector.shown(uri("posix:///tmp/hy/d.img?vfsType=ext4&options=loop,ro"), mountAt("/tmp/hy/r"))
                .readOnly(), "asked for ro: as wanted");
        assertFalse(MountConnector.shown(uri("posix://127.0.0.1/tmp/hx/exp?vfsType=fuse.sshfs"), mountAt("/tmp/hx/mnt"))
                .readOnly());
    }

    @Test
    void theNfsVersionTheKernelChoseIsReadBack() throws Exception {
        assertEquals(Map.of("negotiatedVersion", "4.2"),
                MountConnector.shown(uri("nfs://filer/exp/v4"), mountAt("/rhev/data-center/mnt/filer:_exp_v4")).info());
        assertEquals(Map.of("negotiatedVersion", "3"),
                MountConnector.shown(uri("nfs://filer/exp/v3?version=auto"), mountAt("/rhev/data-center/mnt/filer:_exp_v3")).info());
        assertEquals(Map.of(), MountConnector.shown(uri("posix:///tmp/hy/d.img?vfsType=ext4"), mountAt("/tmp/hy/m")).info());
    }

    /** A stale handle fails the probe with 384 saying it is remounted at once; the connect then detaches it and mounts it again. */
    @Test
    void aStaleHandleIsRemountedAtOnce() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("mnt"));
        StorageUri uri = uri("posix:///tether-stale?vfsType=tmpfs");
        Path point = MountPaths.mountPoint(root, uri);
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"), "100 1 0:50 / " + point + " rw - tmpfs /tether-stale rw\n");
        ScriptedRunner runner = new ScriptedRunner();
        runner.answers.put("stat", new CommandRunner.Result(1, "", "stat: cannot statx '" + point + "': Stale file handle"));
        runner.effects.put("umount", () -> Files.writeString(mountInfo, ""));
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        ConnectorException stale = assertThrows(ConnectorException.class, () -> posix.probe(uri));
        assertEquals(VdsmError.FileStorageDomainStaleNFSHandle, stale.error());
        assertTrue(stale.getMessage().contains("stale file handle") && stale.getMessage().endsWith(
                "unmounting it lazily and mounting it again at once"), stale.getMessage());
        assertThrows(ConnectorException.class, () -> posix.establish(uri)); // the scripted stat stays stale
        assertTrue(runner.commands.contains("umount -l " + point), runner.commands.toString());
        assertTrue(runner.commands.stream().anyMatch(c -> c.contains("mount -t tmpfs -o nosuid,nodev /tether-stale " + point)),
                runner.commands.toString());
    }

    @Test
    void readCheckReadsTheFileWithDirectIo() throws Exception {
        Path root = tmp.resolve("mnt");
        StorageUri uri = uri("posix:///tether-rc?vfsType=tmpfs&readCheck=dom/./metadata");
        assertEquals("dom/metadata", uri.params().get("readCheck"));
        Path point = MountPaths.mountPoint(root, uri);
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"), "100 1 0:50 / " + point + " rw - tmpfs /tether-rc rw\n");
        ScriptedRunner runner = new ScriptedRunner();
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        posix.probe(uri);
        assertEquals("dd if=" + point.resolve("dom/metadata") + " of=/dev/null bs=4096 count=1 iflag=direct,nofollow",
                runner.commands.get(1));
        for (String bad : List.of("/etc/passwd", "../x", "a/../../x", "")) {
            assertThrows(Exception.class, () -> uri("posix:///x?vfsType=tmpfs&readCheck=" + bad), bad);
        }
    }

    /** A copy of the sysfs tree with its symlinks made; the session's portal rewritten to {@code address:port}. */
    private Path sysfs(String state, String address, int port) throws Exception {
        Path copy = tmp.resolve("sys");
        Path from = RESOURCES.resolve("sysfs");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        for (String line : Files.readAllLines(copy.resolve("links.txt"))) {
            String[] link = line.split(" ");
            Files.createDirectories(copy.resolve(link[0]).getParent());
            Files.createSymbolicLink(copy.resolve(link[0]), Path.of(link[1]));
        }
        Path session = copy.resolve("class/iscsi_session/session3");
        Files.writeString(session.resolve("state"), state + "\n");
        Path conn = session.resolve("device/connection3:0/iscsi_connection/connection3:0");
        Files.writeString(conn.resolve("persistent_address"), address + "\n");
        Files.writeString(conn.resolve("persistent_port"), port + "\n");
        return copy;
    }

    private static IscsiSessions sessions(Path sys) {
        return new IscsiSessions(sys.resolve("class/iscsi_session"));
    }

    @Test
    void sysfsShowsTheSessionsStateRecoveryTimeoutLunsAndScanFile() throws Exception {
        Path sys = sysfs("LOGGED_IN", "192.0.2.20", 3260);
        IscsiSessions.Session session = sessions(sys).list().get(0);
        assertEquals("LOGGED_IN", session.state());
        assertEquals(120, session.recoveryTmo());
        assertEquals(Map.of(0, "sdc", 1, "sdd"), session.lunDevices());
        assertEquals(sys.resolve("devices/platform/host7/scsi_host/host7/scan").toRealPath(), session.scanFile().toRealPath());
    }

    @Test
    void multipathdsPathsOfTheLunsMap() throws Exception {
        String output = Files.readString(RESOURCES.resolve("multipathd-show-paths.txt"));
        assertEquals(new Health.Paths(1, 1, List.of("sdf")), MultipathPaths.ofDevice("sdd", output).orElseThrow());
        assertEquals(new Health.Paths(2, 0), MultipathPaths.ofDevice("sdc", output).orElseThrow());
        assertTrue(MultipathPaths.ofDevice("sda", output).isEmpty(), "an orphan path is in no map");
        assertTrue(MultipathPaths.ofDevice("sdz", output).isEmpty());

        ScriptedRunner runner = new ScriptedRunner();
        runner.answers.put("multipathd", new CommandRunner.Result(0, output, ""));
        IscsiConnector iscsi = new IscsiConnector(runner, sessions(sysfs("LOGGED_IN", "192.0.2.20", 3260)), Duration.ofSeconds(1));
        assertEquals(new Health.Paths(1, 1, List.of("sdf")), iscsi.probe(uri("iscsi://192.0.2.20/" + IQN + "/1")).paths());
        assertEquals(List.of("multipathd show paths raw format %d %m %t %T"), runner.commands);
        assertEquals(new Health.Paths(2, 0), iscsi.probe(uri("iscsi://192.0.2.20/" + IQN + "/0")).paths());
        assertNull(iscsi.probe(uri("iscsi://192.0.2.20/" + IQN + "/7")).paths(), "a LUN not scanned: no device");

        runner.missing.add("multipathd");
        assertNull(iscsi.probe(uri("iscsi://192.0.2.20/" + IQN + "/1")).paths(), "no multipathd: paths unknown");
    }

    /** While iscsid recovers the session, neither a probe nor a connect touches it: both say "recovering". */
    @Test
    void aSessionInRecoveryIsLeftToIscsid() throws Exception {
        ScriptedRunner runner = new ScriptedRunner();
        IscsiConnector iscsi = new IscsiConnector(runner, sessions(sysfs("FAILED", "192.0.2.20", 3260)), Duration.ofSeconds(1));
        StorageUri uri = uri("iscsi://192.0.2.20/" + IQN + "/1");
        ConnectorException probe = assertThrows(ConnectorException.class, () -> iscsi.probe(uri));
        assertTrue(probe.isRecovering());
        assertTrue(probe.getMessage().contains("iscsid is recovering it: left to iscsid (its I/O waits for up to its recovery_tmo of 120 s)"),
                probe.getMessage());
        ConnectorException connect = assertThrows(ConnectorException.class, () -> iscsi.establish(uri));
        assertTrue(connect.isRecovering());
        assertEquals(List.of(), runner.commands, "no logout, no login");
    }

    /**
     * Past its recovery_tmo the kernel fails the session's I/O (FREE), but iscsid goes on
     * reconnecting it, and logs it in again when the portal is back (IscsiKernelCases sees it with
     * multipathd, which sets recovery_tmo to 5 s): still iscsid's, so still "recovering", and
     * neither a probe nor a connect logs it out.
     */
    @Test
    void aSessionPastItsRecoveryTimeoutIsStillLeftToIscsid() throws Exception {
        ScriptedRunner runner = new ScriptedRunner();
        IscsiConnector iscsi = new IscsiConnector(runner, sessions(sysfs("FREE", "192.0.2.20", 3260)), Duration.ofSeconds(1));
        StorageUri uri = uri("iscsi://192.0.2.20/" + IQN + "/1");
        ConnectorException probe = assertThrows(ConnectorException.class, () -> iscsi.probe(uri));
        assertTrue(probe.isRecovering());
        assertTrue(probe.getMessage().endsWith("is FREE: its recovery_tmo of 120 s has passed, so its I/O fails, and iscsid"
                + " goes on reconnecting it: left to iscsid"), probe.getMessage());
        ConnectorException connect = assertThrows(ConnectorException.class, () -> iscsi.establish(uri));
        assertTrue(connect.isRecovering());
        assertEquals(List.of(), runner.commands, "no logout, no login");
    }

    /** A new login sets node.session.scan=manual and the CHAP password before it logs in, the password masked. */
    @Test
    void aNewLoginScansManuallyWithThePasswordMasked() throws Exception {
        try (ServerSocket portal = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ScriptedRunner runner = new ScriptedRunner();
            IscsiConnector iscsi = new IscsiConnector(runner, sessions(sysfs("LOGGED_IN", "192.0.2.20", 3260)), Duration.ofSeconds(1));
            iscsi.establish(uri("iscsi://user%Secret-1@127.0.0.1:" + portal.getLocalPort() + "/" + IQN + "/2"));
            String node = "iscsiadm -m node -T " + IQN + " -I default -p 127.0.0.1:" + portal.getLocalPort();
            List<String> commands = runner.commands;
            int login = commands.indexOf(node + " -l");
            assertTrue(login > commands.indexOf(node + " --op=update -n node.session.scan -v manual"), commands.toString());
            List<String> passwords = commands.stream().filter(c -> c.startsWith(node + " --op=update -n node.session.auth.password")).toList();
            assertEquals(1, passwords.size(), commands.toString());
            assertTrue(commands.indexOf(passwords.get(0)) < login, commands.toString());
            assertTrue(commands.stream().noneMatch(c -> c.contains("Secret-1")), "masked in what is logged: " + commands);
        }
    }

    @Test
    void anAdoptedSessionIsScannedForAMissingLunOnly() throws Exception {
        Path sys = sysfs("LOGGED_IN", "192.0.2.20", 3260);
        Path scan = sys.resolve("devices/platform/host7/scsi_host/host7/scan");
        ScriptedRunner runner = new ScriptedRunner();
        IscsiConnector iscsi = new IscsiConnector(runner, sessions(sys), Duration.ofSeconds(1));
        iscsi.establish(uri("iscsi://192.0.2.20/" + IQN + "/1"));
        assertEquals("", Files.readString(scan), "LUN 1 is there already");
        iscsi.establish(uri("iscsi://192.0.2.20/" + IQN + "/5"));
        assertEquals("- - 5", Files.readString(scan));
        assertEquals(List.of(), runner.commands);
    }
}
