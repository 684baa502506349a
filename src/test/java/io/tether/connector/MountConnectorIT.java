package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.Host;
import io.tether.testing.LocalUser;
import io.tether.testing.Requirements;
import io.tether.testing.servers.SftpServer;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
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
        ConnectorException before = assertThrows(ConnectorException.class, () -> posix.probe(uri));
        assertEquals(VdsmError.StorageDomainFSNotMounted, before.error());

        posix.establish(uri);
        assertTrue(Host.mounted(point), point + " mounted");
        posix.probe(uri);
        posix.establish(uri);
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

    /**
     * A device the host has mounted elsewhere (here: a loop device) is refused by whatever path
     * names it: under /dev, through /proc/self/root (which only the /dev check missed, and so
     * mounted the host's root file system read-write), or through a link. Nothing is mounted.
     */
    @Test
    void aDeviceTheHostUsesIsNotMountedAgainUnderAnyName() throws Exception {
        Path image = ext4Image("host-disk.img");
        Path elsewhere = Files.createDirectories(tmp.resolve("host-uses-it"));
        Host.ok(30, "mount", "-o", "loop", image.toString(), elsewhere.toString());
        try {
            String device = MountTable.ofHost().at(elsewhere).orElseThrow().source();
            Path link = Files.createSymbolicLink(tmp.resolve("disk-link"), Path.of(device));
            for (String source : List.of(device, "/proc/self/root" + device, "/dev/../proc/self/root" + device, link.toString())) {
                StorageUri uri = UriParser.parse("posix://" + source + "?vfsType=ext4");
                ConnectorException refused = assertThrows(ConnectorException.class, () -> posix.establish(uri), source);
                assertEquals(VdsmError.MountError, refused.error());
                assertTrue(refused.getMessage().contains("already mounted at " + elsewhere)
                        || refused.getMessage().contains("leads through /proc or /sys"), refused.getMessage());
                assertFalse(Host.mounted(MountPaths.mountPoint(root, uri)), "nothing mounted for " + source);
            }
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
            posix.establish(uri);
            Files.writeString(MountPaths.mountPoint(root, uri).resolve("hello"), "through sftp");
            assertEquals("through sftp", Files.readString(exported.resolve("hello")));

            server.kill();
            ConnectorException down = assertThrows(ConnectorException.class, () -> posix.probe(uri));
            assertTrue(down.getMessage().contains("does not answer"), down.getMessage());

            server.start();
            posix.probe(uri);
            posix.disconnect(uri);
            assertFalse(Host.mounted(MountPaths.mountPoint(root, uri)));
        }
    }

    @Test
    void failuresSayWhatTheToolSaid() throws Exception {
        ConnectorException noDevice = assertThrows(ConnectorException.class,
                () -> posix.establish(UriParser.parse("posix:///dev/tether-no-such-disk?vfsType=ext4")));
        assertEquals(VdsmError.MountError, noDevice.error());
        assertTrue(noDevice.getMessage().contains("mount -t ext4 -o nosuid,nodev /dev/tether-no-such-disk"), noDevice.getMessage());
        assertTrue(noDevice.getMessage().contains("exit 32"), noDevice.getMessage());

        ConnectorException noHelper = assertThrows(ConnectorException.class,
                () -> posix.establish(UriParser.parse("posix://server/share?vfsType=tetherfs")));
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
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri));
        assertEquals(VdsmError.MountError, e.error());
        assertTrue(e.getMessage().startsWith("mount -t tmpfs -o size=1m,mode=not-octal,nosuid,nodev h.invalid:/p " + point
                + " failed (exit 32): mount: "), e.getMessage());
        assertTrue(e.getMessage().contains("bad option"), e.getMessage());
        assertFalse(e.getMessage().contains("not found"), e.getMessage());
        assertFalse(Files.exists(point), "a failed mount leaves no directory");

        StorageUri secret = UriParser.parse("posix://h.invalid/p?vfsType=tmpfs&options=size=1m,password=hunter2");
        e = assertThrows(ConnectorException.class, () -> posix.establish(secret));
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
            posix.establish(uri);
            posix.probe(uri);
            posix.establish(uri);
            assertEquals(1, Host.mountCount(vdsms), "adopted, not mounted again: " + row[0]);
            assertFalse(Host.mounted(own) || Files.exists(own), "nothing made at " + own);

            posix.disconnect(uri);
            assertFalse(Host.mounted(vdsms), "VDSM's mount is not left behind: " + row[0]);
            assertFalse(Files.exists(vdsms));
            assertThrows(ConnectorException.class, () -> posix.probe(uri));
        }
    }

    /** A host with the mount twice, once under VDSM's spelling and once under the URI's, has neither after the disconnect. */
    @Test
    void aDisconnectUnmountsTheSpecUnderEverySpellingOfItsHost() throws Exception {
        Path vdsms = vdsmTmpfs("Filer:/exp");
        Path twice = vdsmTmpfs("filer:/exp");
        StorageUri uri = UriParser.parse("posix://filer/exp?vfsType=tmpfs");
        assertEquals(twice, MountPaths.mountPoint(root, uri));
        posix.establish(uri);
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
        posix.establish(uri);
        posix.probe(uri);
        assertEquals(1, Host.mountCount(vdsms));
        posix.disconnect(uri);
        assertFalse(Host.mounted(vdsms) || Files.exists(vdsms));
    }

    /** A foreign mount at our mount point is neither adopted nor, by a disconnect, unmounted: it is left and reported. */
    @Test
    void aForeignMountAtOurMountPointIsNotAdoptedNorUnmounted() throws Exception {
        StorageUri uri = UriParser.parse("posix:///tether-tmpfs-a?vfsType=tmpfs");
        Path point = Files.createDirectories(MountPaths.mountPoint(root, uri));
        Host.ok(30, "mount", "-t", "tmpfs", "somebody-else", point.toString());
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri));
        assertEquals(VdsmError.MountError, e.error());
        assertTrue(e.getMessage().contains("already used by somebody-else"), e.getMessage());
        assertThrows(ConnectorException.class, () -> posix.probe(uri));

        ConnectorException left = assertThrows(ConnectorException.class, () -> posix.disconnect(uri));
        assertEquals(VdsmError.StorageServerDisconnectionError, left.error());
        assertEquals(point + " holds somebody-else (tmpfs), which is not this connection's mount: left mounted",
                left.getMessage());
        assertEquals(1, Host.mountCount(point), "still mounted");
    }

    /** Mounts of ours stacked at one mount point (an older version mounted again on top) all go with the disconnect. */
    @Test
    void aDisconnectTakesOffEveryMountOfOursStackedThere() throws Exception {
        StorageUri uri = UriParser.parse("posix:///tether-stacked?vfsType=tmpfs");
        Path point = Files.createDirectories(MountPaths.mountPoint(root, uri));
        for (int i = 0; i < 3; i++) {
            Host.ok(30, "mount", "-t", "tmpfs", "/tether-stacked", point.toString());
        }
        posix.disconnect(uri);
        assertEquals(0, Host.mountCount(point));
        assertFalse(Files.exists(point));
    }

    /**
     * A mount root whose path holds a link: mountinfo shows the real path, so a mount point named
     * through the link never matched its own mount, and every connect mounted again on top.
     */
    @Test
    void aMountRootReachedThroughALinkMountsOnce() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real-mnt"));
        Path link = Files.createSymbolicLink(tmp.resolve("link-mnt"), real);
        MountConnector throughLink = new MountConnector(StorageType.POSIX, link, new CommandRunner(), MountTable.ofHost(),
                Duration.ofSeconds(10), OPERATOR);
        StorageUri uri = UriParser.parse("posix:///tether-linked?vfsType=tmpfs");
        Path point = MountPaths.mountPoint(real, uri);
        try {
            throughLink.establish(uri);
            throughLink.probe(uri);
            throughLink.establish(uri);
            assertEquals(1, Host.mountCount(point), "adopted, not mounted again");
            throughLink.disconnect(uri);
            assertEquals(0, Host.mountCount(point));
        } finally {
            Host.unmountAllUnder(real);
        }
    }

    /** A link where the mount point goes (planted in a mount root someone else may write to) is refused, never mounted over. */
    @Test
    void aLinkAtTheMountPointIsNeverFollowed() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("somewhere"));
        StorageUri uri = UriParser.parse("posix:///tether-link-point?vfsType=tmpfs");
        Path point = MountPaths.mountPoint(root, uri);
        Files.createSymbolicLink(point, target);
        try {
            ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri));
            assertEquals(VdsmError.StorageServerAccessPermissionError, e.error());
            assertEquals("mount point " + point + ": " + point + " is a symbolic link, which is never followed: remove it",
                    e.getMessage());
            assertFalse(Host.mounted(target), "nothing mounted where the link leads");
            assertTrue(Files.isSymbolicLink(point));
        } finally {
            Host.unmount(Host.mounted(target) ? target : null);
        }
    }

    /**
     * One line of mountinfo that is not UTF-8, added by another user's FUSE mount (fusermount3 is
     * setuid), made the table empty for every connector: each mounted connection went down and was
     * mounted again on top at each retry. The line is made here by {@code nobody}, for real.
     */
    @Test
    void aMountInfoLineThatIsNoTextBlindsNothing() throws Exception {
        LocalUser.need();
        SftpServer.needSshfs();
        Path shared = LocalUser.sharedDir(tmp);
        StorageUri uri = UriParser.parse("posix:///tether-blind?vfsType=tmpfs");
        Path point = MountPaths.mountPoint(root, uri);
        posix.establish(uri);
        // The name ends in byte 0xff, which no Java string can hold: the shell makes it.
        String theirs = shared + "/x-";
        try (SftpServer server = new SftpServer(tmp.resolve("sftp.log"))) {
            LocalUser.run("sh", "-c", "mkdir \"$1$(printf '\\377')\" && sshfs -o directport=$2 127.0.0.1:/ \"$1$(printf '\\377')\"",
                    "sh", theirs, Integer.toString(server.port()));
            try {
                assertTrue(Files.readString(Path.of("/proc/self/mountinfo"), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains(theirs + "\u00ff"), "their line is in mountinfo");
                posix.probe(uri);
                posix.establish(uri);
                assertEquals(1, Host.mountCount(point), "adopted, not mounted again on top");
            } finally {
                Host.run(30, "sh", "-c", "umount -l \"$1$(printf '\\377')\"", "sh", theirs);
            }
        }
        posix.disconnect(uri);
        assertEquals(0, Host.mountCount(point));
    }

    /**
     * mount(8) attaches a regular file as a loop device by itself when blkid knows its type: an
     * unprivileged user's ext4 image named as a posix:// source was mounted by root. A source
     * without a host is a block device now, never a file, whoever made it.
     */
    @Test
    void aRegularFileIsNeverMountedAsAnImage() throws Exception {
        LocalUser.need();
        Requirements.needTool("mkfs.ext4", "e2fsprogs");
        Path shared = LocalUser.sharedDir(tmp);
        Path theirs = shared.resolve("u");
        LocalUser.run("mkdir", theirs.toString());
        Path evil = theirs.resolve("evil.img");
        LocalUser.run("truncate", "-s", "16M", evil.toString());
        LocalUser.run("mkfs.ext4", "-q", "-F", evil.toString());
        Path inShared = shared.resolve("evil.img");
        LocalUser.run("cp", evil.toString(), inShared.toString());
        Path roots = ext4Image("roots.img");
        for (Path image : List.of(evil, inShared, roots)) {
            StorageUri uri = UriParser.parse("posix://" + image + "?vfsType=ext4");
            ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri), image.toString());
            assertEquals(VdsmError.MountError, e.error());
            assertFalse(Host.mounted(MountPaths.mountPoint(root, uri)), "nothing mounted");
            assertEquals("", Host.ok(10, "losetup", "-j", image.toString()), "no loop device made of " + image);
        }
        assertTrue(assertThrows(ConnectorException.class, () -> posix.establish(UriParser.parse("posix://" + evil + "?vfsType=ext4")))
                .getMessage().contains(theirs + " is owned by nobody"));
        assertTrue(assertThrows(ConnectorException.class, () -> posix.establish(UriParser.parse("posix://" + roots + "?vfsType=ext4")))
                .getMessage().startsWith("posix source " + roots + " is a regular file"));
    }

    /**
     * A device whose blocks are a file's mounts that file, whoever's it is and whatever its name
     * says: a user's image that udisks (here losetup, as udisks runs it) attached as a loop device,
     * that image after the user deleted it (its backing_file then names nothing, and a check of that
     * name let it through), a partition of a loop device of the user's partitioned image
     * ({@code loopNp1}, major 259, which a check of the loop major missed), and root's own image. All
     * refused before mount runs; an image is the operator's ({@code loop}).
     */
    @Test
    void aDeviceBackedByAFileIsRefused() throws Exception {
        LocalUser.need();
        Requirements.needTool("mkfs.ext4", "e2fsprogs");
        Requirements.needTool("partx", "util-linux");
        Path shared = LocalUser.sharedDir(tmp);
        record Case(String what, Path image, boolean partitioned, boolean deleteImage) {
        }
        List<Case> cases = List.of(
                new Case("another user's image, deleted once attached", shared.resolve("gone.img"), false, true),
                new Case("a partition of another user's image", shared.resolve("parted.img"), true, false),
                new Case("root's own image", tmp.resolve("roots.img"), false, false),
                new Case("another user's image", shared.resolve("evil.img"), false, false));
        for (Case c : cases) {
            boolean theirs = c.image().startsWith(shared);
            if (theirs) {
                LocalUser.run("truncate", "-s", "20M", c.image().toString());
            } else {
                Host.ok(10, "truncate", "-s", "20M", c.image().toString());
            }
            if (c.partitioned()) {
                writeOnePartitionTable(c.image());
            } else {
                Host.ok(60, "mkfs.ext4", "-q", "-F", c.image().toString());
            }
            String loop = Host.ok(30, "losetup", "-f", "--show", "-P", c.image().toString()).strip();
            String device = c.partitioned() ? loop + "p1" : loop;
            try {
                if (c.partitioned()) {
                    Host.run(30, "partx", "-a", loop);
                    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(Path.of(device)));
                    Host.ok(60, "mkfs.ext4", "-q", "-F", device);
                }
                if (c.deleteImage()) {
                    LocalUser.run("rm", c.image().toString());
                }
                StorageUri uri = UriParser.parse("posix://" + device + "?vfsType=ext4");
                ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri), c.what());
                assertEquals(VdsmError.MountError, e.error(), c.what());
                assertEquals("posix source " + device + " is backed by a file (" + Path.of(loop).getFileName() + "): a"
                        + " posix:// URI without a host mounts a disk, never an image; the host's operator can allow"
                        + " images with --allow-mount-option TYPE:loop", e.getMessage(), c.what());
                assertFalse(Host.mounted(MountPaths.mountPoint(root, uri)), c.what() + ": nothing mounted");
            } finally {
                Host.run(30, "umount", MountPaths.mountPoint(root, UriParser.parse("posix://" + device + "?vfsType=ext4")).toString());
                Host.run(30, "losetup", "-d", loop);
            }
        }
    }

    /** An MBR with one Linux partition from sector 2048 to the end of a 20 MiB image. */
    private static void writeOnePartitionTable(Path image) throws Exception {
        java.nio.ByteBuffer entry = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        entry.put(4, (byte) 0x83).putInt(8, 2048).putInt(12, 20 * 2048 - 2048);
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
            file.write(entry, 446);
            file.write(ByteBuffer.wrap(new byte[] {0x55, (byte) 0xaa}), 510);
        }
    }

    /**
     * The readCheck file is on storage whoever writes it controls, and root reads it: a link there
     * to a host FIFO (or /dev/watchdog, which arms the host's watchdog when opened) had root open
     * that. The file itself is read, never what a link points to: the probe fails, naming the link.
     */
    @Test
    void aReadCheckLinkIsNotFollowedToTheHost() throws Exception {
        Requirements.needTool("mkfifo", "coreutils");
        Path hostFifo = tmp.resolve("host-fifo");
        Host.ok(10, "mkfifo", "-m", "600", hostFifo.toString());
        StorageUri uri = UriParser.parse("posix:///tether-readcheck-link?vfsType=tmpfs&options=size=1m&readCheck=dom_md/metadata");
        // Mounted without the readCheck, which establish would read before the test plants the link.
        posix.establish(UriParser.parse("posix:///tether-readcheck-link?vfsType=tmpfs&options=size=1m"));
        Path point = MountPaths.mountPoint(root, uri);
        Files.createDirectory(point.resolve("dom_md"));
        Files.createSymbolicLink(point.resolve("dom_md/metadata"), hostFifo);
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.probe(uri));
        assertEquals(VdsmError.StorageServerAccessPermissionError, e.error(), e.getMessage());
        assertTrue(e.getMessage().startsWith("readCheck of dom_md/metadata on " + point + " failed: ")
                && e.getMessage().contains("Too many levels of symbolic links"), e.getMessage());
    }

    /** A device used as swap is the host's: refused. */
    @Test
    void aSwapDeviceIsRefused() throws Exception {
        Requirements.needTool("mkswap", "util-linux");
        Path image = tmp.resolve("swap.img");
        Host.ok(10, "truncate", "-s", "16M", image.toString());
        String device = Host.ok(30, "losetup", "-f", "--show", image.toString()).strip();
        try {
            Host.ok(30, "mkswap", device);
            Host.ok(30, "swapon", device);
            try {
                StorageUri uri = UriParser.parse("posix://" + device + "?vfsType=ext4");
                ConnectorException e = assertThrows(ConnectorException.class, () -> posix.establish(uri));
                assertEquals(device + " is used as swap (" + device + "): a device the host uses is not storage to manage",
                        e.getMessage());
            } finally {
                Host.ok(30, "swapoff", device);
            }
        } finally {
            Host.run(30, "losetup", "-d", device);
        }
    }

    /**
     * A device that device-mapper, LVM or md holds (an LVM physical volume, a disk under multipath)
     * is the host's. This machine has no device-mapper, so its holders are a sysfs tree written here
     * (a test double for sysfs only; the device is a real loop device, compared by its real number).
     */
    @Test
    void aDeviceHeldByAnotherIsRefused() throws Exception {
        Path image = tmp.resolve("pv.img");
        Host.ok(10, "truncate", "-s", "16M", image.toString());
        String device = Host.ok(30, "losetup", "-f", "--show", image.toString()).strip();
        try {
            long rdev = (Long) Files.getAttribute(Path.of(device), "unix:rdev");
            LocalSources.Device number = LocalSources.Device.of(rdev);
            Path sysfs = tmp.resolve("sys");
            Files.createDirectories(sysfs.resolve("dev/block/" + number + "/holders/dm-3"));
            LocalSources sources = new LocalSources(new MountTable(Files.writeString(tmp.resolve("mountinfo"), "")),
                    MountHelpers.ofHost(), sysfs, tmp.resolve("no-swaps"));
            StorageUri uri = UriParser.parse("posix://" + device + "?vfsType=ext4");
            ConnectorException e = assertThrows(ConnectorException.class, () -> sources.check(uri, MountPaths.settings(uri)));
            assertEquals(device + " is held by dm-3 (device-mapper, LVM or md): a device the host uses is not storage to"
                    + " manage", e.getMessage());
        } finally {
            Host.run(30, "losetup", "-d", device);
        }
    }
}
