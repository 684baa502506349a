package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.tether.testing.RecordingRunner;
import io.tether.uri.MountSettings;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mount connector's own check of the mount policy, for CIDs that reach it without passing a
 * request's check (stored by an older version): it refuses before running anything, and does not
 * adopt a mount that is already there either. Which mount on the host is a URI's: VDSM's cases and
 * the spellings of a host. Needs no root: nothing is run.
 */
class MountConnectorTest {
    @TempDir
    Path tmp;

    @Test
    void aDisallowedUriIsRefusedWithoutRunningAnything() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        Path root = tmp.resolve("mnt");
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner,
                new MountTable(Files.writeString(tmp.resolve("mountinfo"), "")), Duration.ofSeconds(1),
                MountPolicy.defaults());
        for (String uri : List.of(
                "posix://h.invalid/p?vfsType=fuse.sshfs&options=ssh_command=%2Ftmp%2Fx%2Fmarker.sh",
                "posix:///etc?vfsType=none&options=bind",
                "posix:///var/lib/x.img?vfsType=ext4&options=loop")) {
            ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(UriParser.parse(uri)));
            assertEquals(VdsmError.MountError, e.error());
            assertTrue(e.getMessage().contains("the host's operator can allow it with --allow-"), e.getMessage());
        }
        assertEquals(List.of(), runner.commands);
        assertFalse(Files.exists(root), "no mount point was made");
    }

    @Test
    void anExistingMountOfADisallowedUriIsNotAdopted() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        Path root = tmp.resolve("mnt");
        StorageUri uri = UriParser.parse("posix://h.invalid/p?vfsType=fuse.sshfs&options=reconnect");
        Path point = MountPaths.mountPoint(root, uri);
        // mountinfo says our mount point already holds that sshfs mount (made when it was allowed).
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"),
                "100 1 0:50 / " + point + " rw,nosuid,nodev - fuse.sshfs h.invalid:/p rw,user_id=0,group_id=0\n");
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri));
        assertEquals("file system type 'fuse.sshfs' is not allowed on this host; the host's operator can allow it"
                + " with --allow-vfs-type fuse.sshfs", e.getMessage());
        assertEquals(List.of(), runner.commands, "not even stat of the existing mount");
        // A restarted worker looks first: its probe refuses too, so the CID fails (477), not CONNECTED.
        ConnectorException probed = assertThrows(ConnectorException.class, () -> posix.probe(uri));
        assertEquals(VdsmError.MountError, probed.error());
        assertEquals(e.getMessage(), probed.getMessage());
        assertEquals(List.of(), runner.commands, "the mount is left as it is: the operator's");

        MountConnector allowed = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults().allowingVfsType("fuse.sshfs")
                        .allowingOption("fuse.sshfs", "reconnect"));
        // Allowed, the connector goes on to probe the mount it found (here the runner answers "failed").
        assertThrows(ConnectorException.class, () -> allowed.establish(uri));
        assertEquals("stat -c %F " + point, runner.commands.get(0));
    }

    /**
     * Which mount of the host's mount table {@code check} takes for a URI's, as VDSM's mount.py
     * decides whether a connection is mounted: the same mount point and the same spec once the
     * kernel's is normalised. The first rows are VDSM's own, from oVirt's vdsm repository,
     * {@code tests/storage/mount_test.py}: {@code test_is_mounted} (the two of its four rows whose
     * spec and mount point belong together; the other two pair a spec with another spec's mount
     * point, which no URI does), {@code test_is_mounted_normalize_kernel_mounts} and
     * {@code test_is_mounted_gluster_with_rdma} (its mount point named VDSM's way, glusterSD/
     * included). The rest are the spellings of a host that VDSM's directory may carry and an
     * engine's URI may not: such a mount is found at the mount point that names the same spec with
     * the host written otherwise.
     *
     * <p>Columns: mountinfo's source, type and mount point (under {@code /mnt}), the URI, and the
     * mount point {@code check} probes, or "" when it finds the URI not mounted.
     */
    @ParameterizedTest(name = "{0} at {2}, {3} -> {4}")
    @CsvSource(delimiter = '|', value = {
        // mount_test.py: test_is_mounted
        "server:/path|nfs|server:_path|nfs://server/other_path|",
        "server:/path|nfs|server:_path|nfs://server/path|server:_path",
        // mount_test.py: test_is_mounted_normalize_kernel_mounts
        "server://a/b|nfs|server:_a_b|nfs://server/a/b|server:_a_b",
        "server:/a//b|nfs|server:_a_b|nfs://server/a/b|server:_a_b",
        "server:/a/b//|nfs|server:_a_b|nfs://server/a/b|server:_a_b",
        // mount_test.py: test_is_mounted_gluster_with_rdma
        "server:/volume.rdma|fuse.glusterfs|glusterSD/server:_volume|glusterfs://server/volume|glusterSD/server:_volume",
        // A host written otherwise by VDSM's engine than by the URI.
        "Filer:/exp|nfs4|Filer:_exp|nfs://filer/exp|Filer:_exp",
        "Filer:/exp|nfs4|Filer:_exp|nfs://FILER/exp|Filer:_exp",
        "filer://exp/|nfs4|Filer:_exp|nfs://fiLer/exp/./|Filer:_exp",
        "Filer:/exp|nfs4|Filer:_exp|nfs://filer/exp2|",
        "Other:/exp|nfs4|Filer:_exp|nfs://filer/exp|",
        "Filer:/exp|nfs4|Filer:_exp|nfs://filer/exp_|",
        "My_NAS:/exports|nfs4|My__NAS:_exports|nfs://my_nas/exports|My__NAS:_exports",
        "[2001:DB8::1]:/exp|nfs4|[2001:DB8::1]:_exp|nfs://[2001:db8::1]/exp|[2001:DB8::1]:_exp",
        "[2001:db8:0::1]:/exp|nfs4|[2001:db8:0::1]:_exp|nfs://[2001:DB8::0001]/exp|[2001:db8:0::1]:_exp",
        "G1:/vol|fuse.glusterfs|glusterSD/G1:_vol|glusterfs://g1/vol|glusterSD/G1:_vol",
        "G1:/vol|fuse.glusterfs|G1:_vol|glusterfs://g1/vol|",
        "NAS:445:/share|cifs|NAS:445:_share|posix://nas:445/share?vfsType=cifs|NAS:445:_share",
        "NAS:445:/share|cifs|NAS:446:_share|posix://nas:445/share?vfsType=cifs|",
        "Sftp.Example:/data|fuse.sshfs|Sftp.Example:_data|posix://sftp.example/data?vfsType=fuse.sshfs|Sftp.Example:_data",
    })
    void aMountIsFoundAsVdsmFindsItAndUnderAnySpellingOfItsHost(String source, String type, String point, String uri,
            String probed) throws Exception {
        Path root = Path.of("/mnt");
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"), "22 1 8:1 / / rw - ext4 /dev/vda rw\n"
                + "100 22 0:50 / " + root.resolve(point) + " rw - " + type + " " + source + " rw"
                + (type.startsWith("fuse.") ? ",user_id=0,group_id=0" : "") + "\n");
        RecordingRunner runner = new RecordingRunner();
        StorageUri parsed = UriParser.parse(uri);
        MountConnector connector = new MountConnector(parsed.type(), root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults().allowingVfsType("fuse.sshfs"));
        ConnectorException e = assertThrows(ConnectorException.class, () -> connector.probe(parsed));
        if (probed == null) {
            assertEquals(VdsmError.StorageDomainFSNotMounted, e.error(), e.getMessage());
            assertEquals(List.of(), runner.commands);
        } else {
            // Found: check goes on to probe it (here the runner answers "failed").
            assertEquals(List.of("stat -c %F " + root.resolve(probed)), runner.commands);
        }
    }

    /**
     * A FUSE mount a local user made (through the setuid fusermount3) on a directory they can write
     * is theirs, whatever source it names: the kernel shows the daemon's user as user_id.
     */
    @ParameterizedTest(name = "user_id={0}")
    @CsvSource({"65534", "1000"})
    void aFuseMountOfAnotherUserIsNeverTakenForOurs(String userId) throws Exception {
        Path root = Path.of("/mnt");
        StorageUri uri = UriParser.parse("glusterfs://g1/vol");
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"), "22 1 8:1 / / rw - ext4 /dev/vda rw\n"
                + "100 22 0:50 / " + root.resolve("glusterSD/g1:_vol") + " rw,nosuid,nodev - fuse.glusterfs g1:/vol rw,user_id="
                + userId + ",group_id=" + userId + ",allow_other\n");
        RecordingRunner runner = new RecordingRunner();
        MountConnector connector = new MountConnector(uri.type(), root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        ConnectorException e = assertThrows(ConnectorException.class, () -> connector.probe(uri));
        assertEquals(VdsmError.StorageDomainFSNotMounted, e.error(), e.getMessage());
        assertEquals(List.of(), runner.commands, "not probed: not ours");
    }

    private static final String BAD_OPTION = "mount: /mnt/h.invalid:_p: wrong fs type, bad option, bad superblock on"
            + " h.invalid:/p, missing codepage or helper program, or other error.\n"
            + "       dmesg(1) may have more information after failed mount system call.";
    private static final String UNKNOWN_TYPE = "mount: /mnt/s:_x: unknown filesystem type 'tetherfs'.";
    private static final String NEEDS_HELPER = "mount: /mnt/s:_x: bad option; for several filesystems (e.g. nfs, cifs)"
            + " you might need a /sbin/mount.<type> helper program.";

    /** The host's helpers and kernel types as the test writes them: {@code helpers} installed, {@code kernel} known. */
    private MountHelpers host(List<String> helpers, String... kernel) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "host");
        Path sbin = Files.createDirectories(dir.resolve("sbin"));
        for (String helper : helpers) {
            Files.writeString(sbin.resolve(helper), "#!/bin/sh\n");
        }
        StringBuilder filesystems = new StringBuilder("\text4\n");
        for (String type : kernel) {
            filesystems.append("nodev\t").append(type).append('\n');
        }
        return new MountHelpers(List.of(dir.resolve("no-such-dir"), sbin),
                Files.writeString(dir.resolve("filesystems"), filesystems));
    }

    private static String failure(String type, String hint, String words, MountHelpers helpers) {
        MountSource source = new MountSource(new Host("h.invalid"), -1, new RemotePath("/p"));
        MountSettings settings = new MountSettings(new VfsType(type), source, List.of(), "", true, hint, Optional.empty());
        Command mount = Command.of(Program.MOUNT.providedBy(hint)).arg(Word.TYPE, settings.type(), Word.OPTIONS,
                new MountOptions(List.of(new MountOption("size", "1m"), MountOption.flag("nosuid"))), source,
                new LocalPath("/mnt/h.invalid:_p"));
        return MountConnector.failureMessage(mount, settings, new CommandRunner.Result(32, "", words), helpers);
    }

    /** A bad option is mount's failure, in mount's words; "missing ... helper program" there is one of its guesses. */
    @Test
    void aFailedMountIsReportedAsTheCommandItsExitAndMountsWords() throws Exception {
        assertEquals("mount -t tmpfs -o size=1m,nosuid h.invalid:/p /mnt/h.invalid:_p failed (exit 32): " + BAD_OPTION,
                failure("tmpfs", "the package with mount.tmpfs", BAD_OPTION, host(List.of(), "tmpfs")));
        // Whatever the host has: the message does not blame the helper.
        assertTrue(failure("cifs", "cifs-utils", BAD_OPTION, host(List.of())).startsWith("mount -t cifs"));
    }

    @Test
    void aMissingHelperIsNamedOnlyWhenItIsMissing() throws Exception {
        assertEquals("mount.tetherfs not found: install the package with mount.tetherfs (" + UNKNOWN_TYPE + ")",
                failure("tetherfs", "the package with mount.tetherfs", UNKNOWN_TYPE, host(List.of())));
        assertEquals("mount.nfs not found: install nfs-common (" + NEEDS_HELPER + ")",
                failure("nfs", "nfs-common", NEEDS_HELPER, host(List.of(), "nfs")));
        // The helper is there (or, for a subtype, the main type's), or the kernel has the type: mount's words.
        assertTrue(failure("tetherfs", "p", UNKNOWN_TYPE, host(List.of("mount.tetherfs"))).startsWith("mount -t tetherfs"));
        assertTrue(failure("tetherfs", "p", UNKNOWN_TYPE, host(List.of(), "tetherfs")).startsWith("mount -t tetherfs"));
        assertTrue(failure("fuse.tether", "p", UNKNOWN_TYPE, host(List.of("mount.fuse"))).startsWith("mount -t fuse.tether"));
        assertTrue(failure("nfs", "nfs-common", NEEDS_HELPER, host(List.of("mount.nfs"), "nfs")).startsWith("mount -t nfs"));
    }
    /**
     * Our mount no longer answers, and under it is another: the connect detaches ours and then,
     * finding something still mounted there, refuses rather than mount on top of it.
     */
    @Test
    void establishNeverMountsOnTopOfWhatIsThere() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("mnt"));
        StorageUri uri = UriParser.parse("posix:///tether-top?vfsType=tmpfs");
        Path point = MountPaths.mountPoint(root, uri);
        String below = "100 1 0:50 / " + point + " rw - tmpfs somebody-else rw\n";
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"), below + "101 100 0:51 / " + point + " rw - tmpfs /tether-top rw\n");
        HealthFactsTest.ScriptedRunner runner = new HealthFactsTest.ScriptedRunner();
        runner.answers.put("stat", new CommandRunner.Result(1, "", "stat: cannot statx: Transport endpoint is not connected"));
        runner.effects.put("umount", () -> Files.writeString(mountInfo, below));
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri));
        assertEquals(VdsmError.MountError, e.error());
        assertEquals(point + " still has somebody-else (tmpfs) mounted: not mounting on top of it", e.getMessage());
        assertTrue(runner.commands.contains("umount -l " + point), runner.commands.toString());
        assertTrue(runner.commands.stream().noneMatch(c -> c.startsWith("mount ") || c.contains(" mount -t")), runner.commands.toString());
    }

    /**
     * Our mount answers {@code stat} from the client's cache, but its readCheck file's handle is
     * stale (the export was replaced under it): establish detaches it and mounts afresh, where
     * adopting it would keep the stale mount for ever. A readCheck file that cannot be read for
     * another reason (missing, or a read that fails or hangs) is the failure it is, and no reason
     * to detach a mount VMs may be using: establish adopts it and its own read fails.
     */
    @Test
    void establishRemountsAMountWhoseReadCheckIsStale() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("mnt"));
        StorageUri uri = UriParser.parse("posix:///tether-stale?vfsType=tmpfs&readCheck=meta");
        Path point = MountPaths.mountPoint(root, uri);
        String ours = "101 1 0:51 / " + point + " rw - tmpfs /tether-stale rw\n";
        Path mountInfo = Files.writeString(tmp.resolve("mountinfo"), ours);
        HealthFactsTest.ScriptedRunner runner = new HealthFactsTest.ScriptedRunner();
        runner.answers.put("dd", new CommandRunner.Result(1, "", "dd: failed to open '" + point + "/meta': Stale file handle"));
        runner.effects.put("umount", () -> Files.writeString(mountInfo, ""));
        runner.effects.put("setsid", () -> Files.writeString(mountInfo, ours));
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        ConnectorException stillStale = assertThrows(ConnectorException.class, () -> posix.establish(uri),
                "the scripted read stays stale on the new mount too");
        assertEquals(VdsmError.FileStorageDomainStaleNFSHandle, stillStale.error());
        assertTrue(runner.commands.contains("umount -l " + point), runner.commands.toString());
        assertTrue(runner.commands.stream().anyMatch(c -> c.startsWith("mount -t tmpfs") || c.contains(" mount -t tmpfs")),
                runner.commands.toString());

        for (String failedRead : List.of("dd: failed to open '" + point + "/meta': No such file or directory",
                "dd: error reading '" + point + "/meta': Input/output error")) {
            runner.commands.clear();
            runner.answers.put("dd", new CommandRunner.Result(1, "", failedRead));
            ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri), () -> runner.commands.toString());
            assertEquals(VdsmError.StorageServerAccessPermissionError, e.error(), failedRead);
            assertTrue(runner.commands.stream().noneMatch(c -> c.startsWith("umount") || c.contains("mount -t")),
                    "adopted, not remounted: " + runner.commands);
        }
    }

    /** A mount table that cannot be read is a failure to report and retry: never "nothing is mounted", which would mount again. */
    @Test
    void anUnreadableMountTableIsAFailureNotNothing() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        Path root = Files.createDirectories(tmp.resolve("mnt"));
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(tmp.resolve("gone")),
                Duration.ofSeconds(1), MountPolicy.defaults());
        StorageUri uri = UriParser.parse("posix:///tether-unknown?vfsType=tmpfs");
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> posix.probe(uri), () -> posix.establish(uri), () -> posix.disconnect(uri))) {
            ConnectorException e = assertThrows(ConnectorException.class, call);
            assertEquals(VdsmError.GeneralException, e.error());
            assertTrue(e.getMessage().endsWith("cannot be read (NoSuchFileException): what is mounted is unknown"), e.getMessage());
        }
        assertEquals(List.of(), runner.commands, "nothing mounted or unmounted");
    }
}
