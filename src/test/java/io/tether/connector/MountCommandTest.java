package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount command as it is built, nothing run: nosuid,nodev last and not undone; a cifs or ceph
 * secret in a file of the worker's own, named by the command, and gone once it has run; every other
 * secret refused before anything is written.
 */
class MountCommandTest {
    private static final Path ROOT = Path.of("/rhev/data-center/mnt");

    @TempDir
    Path secrets;

    private MountCommand build(String uri, MountPolicy policy) throws Exception {
        StorageUri parsed = UriParser.parse(uri);
        return MountCommand.of(parsed, MountPaths.settings(parsed), MountPaths.mountPoint(ROOT, parsed), policy,
                new SecretFiles(secrets));
    }

    @Test
    void nosuidAndNodevComeLastUnlessTheOperatorLiftedThem() throws Exception {
        try (MountCommand nfs = build("nfs://filer/exp?version=3&options=noatime", MountPolicy.defaults())) {
            assertEquals(List.of("mount", "-t", "nfs", "-o", "soft,nosharecache,timeo=100,retrans=3,nfsvers=3,nolock,noatime,"
                    + "nosuid,nodev", "filer:/exp", "/rhev/data-center/mnt/filer:_exp"), nfs.command().argv());
        }
        try (MountCommand ext4 = build("posix:///dev/sdb1?vfsType=ext4", MountPolicy.defaults().allowingSuidDev("ext4"))) {
            assertEquals("mount -t ext4 /dev/sdb1 /rhev/data-center/mnt/_dev_sdb1", ext4.command().toString());
        }
    }

    /** mount takes the last of suid/nosuid and dev/nodev: the builder refuses what would undo them, whatever let it through. */
    @Test
    void suidOrDevIsRefusedWhereNosuidNodevIsEnforced() throws Exception {
        for (String option : List.of("suid", "dev")) {
            ConnectorException e = assertThrows(ConnectorException.class,
                    () -> build("posix:///dev/sdb1?vfsType=ext4&options=" + option, MountPolicy.defaults()));
            assertEquals(VdsmError.MountError, e.error());
            assertEquals("refused to run mount: mount option '" + option + "' would undo nosuid,nodev, which this host"
                    + " enforces for ext4", e.getMessage());
        }
        try (MountCommand lifted = build("posix:///dev/sdb1?vfsType=ext4&options=suid",
                MountPolicy.defaults().allowingSuidDev("ext4"))) {
            assertEquals("mount -t ext4 -o suid /dev/sdb1 /rhev/data-center/mnt/_dev_sdb1", lifted.command().toString());
        }
    }

    @Test
    void aCifsPasswordGoesToMountCifsInACredentialsFileOfTheWorkersOwn() throws Exception {
        String secret = "Hunter2\"$x" + System.nanoTime();
        String uri = "posix://nas/share?vfsType=cifs&options=username=bob,password=" + secret.replace("\"", "%22").replace("$", "%24")
                + ",vers=3.0";
        Path file;
        try (MountCommand mount = build(uri, MountPolicy.defaults())) {
            assertEquals(1, mount.secretFiles().size());
            file = mount.secretFiles().get(0);
            assertEquals(secrets, file.getParent());
            assertEquals("password=" + secret + "\n", Files.readString(file));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)));
            List<String> argv = mount.command().argv();
            assertEquals("username=bob,vers=3.0,credentials=" + file + ",nosuid,nodev", argv.get(argv.indexOf("-o") + 1));
            assertFalse(String.join(" ", argv).contains(secret.substring(0, 7)), argv.toString());
            assertFalse(mount.command().toString().contains(secret.substring(0, 7)));
        }
        assertFalse(Files.exists(file), "removed once the command has run");
    }

    @Test
    void aCephSecretGoesToMountCephInASecretFile() throws Exception {
        Path file;
        try (MountCommand mount = build("posix://mon1/?vfsType=ceph&options=name=admin,secret=AQBzc2VjcmV0a2V5AA%3D%3D",
                MountPolicy.defaults())) {
            file = mount.secretFiles().get(0);
            assertEquals("AQBzc2VjcmV0a2V5AA==\n", Files.readString(file));
            List<String> argv = mount.command().argv();
            assertEquals("name=admin,secretfile=" + file + ",nosuid,nodev", argv.get(argv.indexOf("-o") + 1));
        }
        assertFalse(Files.exists(file));
    }

    @Test
    void aSecretNoHelperTakesPrivatelyIsRefusedBeforeAnythingIsWritten() throws Exception {
        MountPolicy wide = MountPolicy.defaults().allowingOption("tmpfs", "password");
        ConnectorException e = assertThrows(ConnectorException.class,
                () -> build("posix:///t?vfsType=tmpfs&options=password=hunter2", wide));
        assertEquals("refused to run mount: mount option 'password' holds a secret that mount.tmpfs would get on its"
                + " command line", e.getMessage());
        try (var files = Files.list(secrets)) {
            assertEquals(List.of(), files.toList());
        }
    }

    /** Someone else's directory, or one others may use, could let them read or swap the file: refused. */
    @Test
    void secretFilesGoOnlyInADirectoryOfTheWorkersAlone() throws Exception {
        Path open = Files.createDirectory(secrets.resolve("open"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> new SecretFiles(open).write("x"));
        assertTrue(e.getMessage().endsWith("is not a directory of this user's alone (mode 0700): refusing to put a secret in it"),
                e.getMessage());
        Path own = Files.createDirectory(secrets.resolve("own"));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(secrets.resolve("link"), own);
        assertThrows(java.io.IOException.class, () -> new SecretFiles(link).write("x"));
        try (SecretFiles.SecretFile file = new SecretFiles(secrets.resolve("made")).write("s3cret")) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.resolve("made"))));
            assertEquals("s3cret", Files.readString(file.path()));
        }
    }
}
