package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.StorageType;
import io.tether.connection.StorageUri;
import io.tether.connection.UriParser;
import io.tether.testing.Host;
import io.tether.testing.Requirements;
import io.tether.testing.servers.SftpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POSIX mounts for real: tmpfs, bind, a loop-mounted ext4 image, and sshfs against a live SFTP server.
 * Bind, loop and sshfs are beyond the default mount policy; this host's "operator" allows them.
 */
class MountConnectorIT {
    private static final MountPolicy OPERATOR = MountPolicy.defaults()
            .allowingVfsType("none").allowingOption("none", "bind")
            .allowingOption("ext4", "loop")
            .allowingVfsType("fuse.sshfs").allowingOption("fuse.sshfs", "directport")
            .allowingOption("fuse.sshfs", "reconnect")
            .allowingVfsType("tetherfs")
            .allowingOption("tmpfs", "password"); // allowed, yet refused: no helper takes it off the command line

    @TempDir
    Path tmp;
    private Path root;
    private MountConnector posix;

    @BeforeEach
    void setUp() throws Exception {
        Requirements.needRoot();
        root = Files.createDirectories(tmp.resolve("mnt"));
        posix = new MountConnector(StorageType.POSIX, root, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10),
                OPERATOR);
    }

    @AfterEach
    void cleanUp() {
        if (root != null) {
            Host.unmountAllUnder(root);
        }
    }

    private void fullCycle(String uriText) throws Exception {
        StorageUri uri = UriParser.parse(uriText);
        Path point = MountPaths.mountPoint(root, uri);
        ConnectorException before = assertThrows(ConnectorException.class, () -> posix.check(uri));
        assertEquals(VdsmError.StorageDomainFSNotMounted, before.error());

        posix.connect(uri);
        assertTrue(Host.mounted(point), point + " mounted");
        posix.check(uri);
        posix.connect(uri);
        assertEquals(1, Host.mountCount(point), "an existing mount is adopted, not mounted twice");

        posix.disconnect(uri);
        assertFalse(Host.mounted(point));
        assertFalse(Files.exists(point), "the mount directory is removed");
        posix.disconnect(uri);
    }

    @Test
    void tmpfs() throws Exception {
        fullCycle("posix:///tether-tmpfs?vfsType=tmpfs&options=size=1m");
    }

    @Test
    void bindMount() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("bind_source"));
        fullCycle("posix://" + source + "?vfsType=none&options=bind");
    }

    /** A 16 MiB file holding an empty ext4 file system. */
    private Path ext4Image(String name) {
        Requirements.needTool("mkfs.ext4", "e2fsprogs");
        Path image = tmp.resolve(name);
        Host.ok(10, "truncate", "-s", "16M", image.toString());
        Host.ok(60, "mkfs.ext4", "-q", "-F", image.toString());
        return image;
    }

    @Test
    void loopMountedExt4Image() throws Exception {
        fullCycle("posix://" + ext4Image("disk.img") + "?vfsType=ext4&options=loop");
    }

    /** A device the host has mounted elsewhere (here: a loop device) is refused, and nothing is mounted. */
    @Test
    void aDeviceTheHostUsesIsNotMountedAgain() throws Exception {
        Path image = ext4Image("host-disk.img");
        Path elsewhere = Files.createDirectories(tmp.resolve("host-uses-it"));
        Host.ok(30, "mount", "-o", "loop", image.toString(), elsewhere.toString());
        try {
            String device = MountTable.ofHost().at(elsewhere).orElseThrow().source();
            StorageUri uri = UriParser.parse("posix://" + device + "?vfsType=ext4");
            ConnectorException refused = assertThrows(ConnectorException.class, () -> posix.connect(uri));
            assertEquals(VdsmError.MountError, refused.error());
            assertTrue(refused.getMessage().contains("already mounted at " + elsewhere), refused.getMessage());
            assertFalse(Host.mounted(MountPaths.mountPoint(root, uri)), "nothing mounted");
        } finally {
            Host.run(30, "umount", elsewhere.toString());
        }
    }

    @Test
    void sshfsFollowsItsServerDownAndUp() throws Exception {
        SftpServer.needSshfs();
        Path exported = Files.createDirectories(tmp.resolve("sftp"));
        try (SftpServer server = new SftpServer(tmp.resolve("sftp.log"))) {
            StorageUri uri = UriParser.parse("posix://127.0.0.1" + exported + "?vfsType=fuse.sshfs&options=directport="
                    + server.port() + ",reconnect");
            posix.connect(uri);
            Files.writeString(MountPaths.mountPoint(root, uri).resolve("hello"), "through sftp");
            assertEquals("through sftp", Files.readString(exported.resolve("hello")));

            server.kill();
            ConnectorException down = assertThrows(ConnectorException.class, () -> posix.check(uri));
            assertTrue(down.getMessage().contains("does not answer"), down.getMessage());

            server.start();
            posix.check(uri);
            posix.disconnect(uri);
            assertFalse(Host.mounted(MountPaths.mountPoint(root, uri)));
        }
    }

    @Test
    void failuresSayWhatTheToolSaid() throws Exception {
        ConnectorException noDevice = assertThrows(ConnectorException.class,
                () -> posix.connect(UriParser.parse("posix:///dev/tether-no-such-disk?vfsType=ext4")));
        assertEquals(VdsmError.MountError, noDevice.error());
        assertTrue(noDevice.getMessage().contains("mount -t ext4 -o nosuid,nodev /dev/tether-no-such-disk"), noDevice.getMessage());
        assertTrue(noDevice.getMessage().contains("exit 32"), noDevice.getMessage());

        ConnectorException noHelper = assertThrows(ConnectorException.class,
                () -> posix.connect(UriParser.parse("posix://server/share?vfsType=tetherfs")));
        assertEquals(VdsmError.MountError, noHelper.error());
        assertTrue(noHelper.getMessage().startsWith("mount.tetherfs not found: install"), noHelper.getMessage());
    }

    /**
     * A mount that fails for a bad option is mount's failure, not a missing helper: the message is
     * the command, its exit code and mount's words, whose "missing codepage or helper program, or
     * other error" is only one of its guesses. A secret option that no helper takes off the command
     * line is refused before anything runs, even one the operator allowed.
     */
    @Test
    void aBadOptionIsMountsFailureNotAMissingHelper() throws Exception {
        StorageUri uri = UriParser.parse("posix://h.invalid/p?vfsType=tmpfs&options=size=1m,mode=not-octal");
        Path point = MountPaths.mountPoint(root, uri);
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.connect(uri));
        assertEquals(VdsmError.MountError, e.error());
        assertTrue(e.getMessage().startsWith("mount -t tmpfs -o size=1m,mode=not-octal,nosuid,nodev h.invalid:/p " + point
                + " failed (exit 32): mount: "), e.getMessage());
        assertTrue(e.getMessage().contains("bad option"), e.getMessage());
        assertFalse(e.getMessage().contains("not found"), e.getMessage());
        assertFalse(Files.exists(point), "a failed mount leaves no directory");

        StorageUri secret = UriParser.parse("posix://h.invalid/p?vfsType=tmpfs&options=size=1m,password=hunter2");
        e = assertThrows(ConnectorException.class, () -> posix.connect(secret));
        assertEquals(VdsmError.MountError, e.error());
        assertTrue(e.getMessage().contains("holds a secret, and mount.tmpfs would get it on its command line"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertFalse(Files.exists(MountPaths.mountPoint(root, secret)), "nothing ran");
    }

    /** Mounts {@code spec} as VDSM does for a POSIX connection of type tmpfs: at VDSM's name for it under the root. */
    private Path vdsmTmpfs(String spec) throws Exception {
        Path point = Files.createDirectories(root.resolve(MountPaths.escape(MountPaths.normalise(spec))));
        Host.ok(30, "mount", "-t", "tmpfs", "-o", "size=1m", spec, point.toString());
        return point;
    }

    /**
     * VDSM's mount of a spec whose host the URI writes otherwise (case, trailing and doubled
     * slashes, {@code .} segments aside) is adopted where VDSM made it: nothing is mounted at the
     * URI's own mount point, and the disconnect unmounts VDSM's and removes its directory.
     */
    @Test
    void vdsmsMountIsAdoptedUnderAnotherSpellingOfItsHost() throws Exception {
        for (String[] row : new String[][] {
                {"Server01:/exp/data", "posix://server01//exp/./data/?vfsType=tmpfs"},
                {"server01:/exp/data", "posix://SERVER01/exp/data?vfsType=tmpfs"},
                {"[2001:DB8::1]:/exp", "posix://[2001:db8:0::1]/exp?vfsType=tmpfs"},
                {"My_NAS:/exports", "posix://my_nas/exports?vfsType=tmpfs"}}) {
            Path vdsms = vdsmTmpfs(row[0]);
            StorageUri uri = UriParser.parse(row[1]);
            Path own = MountPaths.mountPoint(root, uri);
            posix.connect(uri);
            posix.check(uri);
            posix.connect(uri);
            assertEquals(1, Host.mountCount(vdsms), "adopted, not mounted again: " + row[0]);
            assertFalse(Host.mounted(own) || Files.exists(own), "nothing made at " + own);

            posix.disconnect(uri);
            assertFalse(Host.mounted(vdsms), "VDSM's mount is not left behind: " + row[0]);
            assertFalse(Files.exists(vdsms));
            assertThrows(ConnectorException.class, () -> posix.check(uri));
        }
    }

    /** A host with the mount twice, once under VDSM's spelling and once under the URI's, has neither after the disconnect. */
    @Test
    void aDisconnectUnmountsTheSpecUnderEverySpellingOfItsHost() throws Exception {
        Path vdsms = vdsmTmpfs("Filer:/exp");
        Path twice = vdsmTmpfs("filer:/exp");
        StorageUri uri = UriParser.parse("posix://filer/exp?vfsType=tmpfs");
        assertEquals(twice, MountPaths.mountPoint(root, uri));
        posix.connect(uri);
        assertEquals(1, Host.mountCount(twice), "its own mount point's mount is adopted");
        posix.disconnect(uri);
        assertFalse(Host.mounted(vdsms) || Host.mounted(twice));
        assertFalse(Files.exists(vdsms) || Files.exists(twice));
    }

    /** A bind mount VDSM made under its name for the directory is adopted, and removed by the disconnect. */
    @Test
    void vdsmsBindMountIsAdopted() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("vdsm_bind/./source"));
        Path vdsms = root.resolve(MountPaths.escape(source.normalize().toString()));
        Files.createDirectories(vdsms);
        Host.ok(30, "mount", "--bind", source.toString(), vdsms.toString());
        StorageUri uri = UriParser.parse("posix://" + tmp.resolve("vdsm_bind") + "//source/?vfsType=none&options=bind");
        assertEquals(vdsms, MountPaths.mountPoint(root, uri));
        posix.connect(uri);
        posix.check(uri);
        assertEquals(1, Host.mountCount(vdsms));
        posix.disconnect(uri);
        assertFalse(Host.mounted(vdsms) || Files.exists(vdsms));
    }

    @Test
    void aForeignMountAtOurMountPointIsNotAdopted() throws Exception {
        StorageUri uri = UriParser.parse("posix:///tether-tmpfs-a?vfsType=tmpfs");
        Path point = Files.createDirectories(MountPaths.mountPoint(root, uri));
        Host.ok(30, "mount", "-t", "tmpfs", "somebody-else", point.toString());
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.connect(uri));
        assertEquals(VdsmError.MountError, e.error());
        assertTrue(e.getMessage().contains("already used by somebody-else"), e.getMessage());
        assertThrows(ConnectorException.class, () -> posix.check(uri));
    }
}
