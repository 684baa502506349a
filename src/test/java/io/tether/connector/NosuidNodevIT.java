package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.Host;
import io.tether.testing.Requirements;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a file system whose content someone else controls (an image, an export) holds gives no
 * local user root's power once the root worker has mounted it: a setuid-root copy of {@code id}
 * runs as its caller, and a device node anyone may open opens nothing. Both for real, on a tmpfs
 * mounted by the mount connector, tried by {@code nobody} ({@code runuser}); then the same with
 * the operator's {@code --allow-suid-dev}, where both work, so the test can tell the difference.
 */
class NosuidNodevIT {
    private static final String NOBODY = "65534";

    @TempDir
    Path tmp;
    private Path root;

    @AfterEach
    void cleanUp() {
        if (root != null) {
            Host.unmountAllUnder(root);
        }
    }

    /** Mounts {@code uri} with {@code policy} and puts what an attacker's file system would hold on it. */
    private Path mountWithAttackersFiles(StorageUri uri, MountPolicy policy) throws Exception {
        MountConnector posix = new MountConnector(StorageType.POSIX, root, new CommandRunner(), MountTable.ofHost(),
                Duration.ofSeconds(30), policy);
        posix.establish(uri);
        Path point = MountPaths.mountPoint(root, uri);
        Path id = point.resolve("id");
        Files.copy(Path.of("/usr/bin/id"), id);
        Host.ok(10, "chown", "root:root", id.toString());
        Host.ok(10, "chmod", "4755", id.toString());
        Path zero = point.resolve("zero");
        Host.ok(10, "mknod", "-m", "0666", zero.toString(), "c", "1", "5");
        return point;
    }

    @Test
    void setuidProgramsAndDeviceNodesOnAMountAreNotHonoured() throws Exception {
        Requirements.needRoot();
        Requirements.needTool("runuser", "util-linux");
        // nobody must reach the mount points: the test's directory is otherwise root's alone.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        root = Files.createDirectories(tmp.resolve("mnt"));

        Path point = mountWithAttackersFiles(UriParser.parse("posix:///tether-nosuid?vfsType=tmpfs&options=size=8m,mode=0755"),
                MountPolicy.defaults());
        MountTable.Mount mount = MountTable.ofHost().at(point).orElseThrow();
        assertTrue(mount.options().contains("nosuid") && mount.options().contains("nodev"), mount.toString());
        assertEquals(NOBODY, asNobody(point.resolve("id").toString(), "-u").output().strip(),
                "the setuid-root copy of id runs as its caller");
        Host.Ran device = asNobody("head", "-c", "4", point.resolve("zero").toString());
        assertNotEquals(0, device.exit(), device.output());
        assertTrue(device.output().contains("Permission denied"), device.output());

        // The operator's choice, per type: then both are honoured, as they would be without Tether.
        Path lifted = mountWithAttackersFiles(UriParser.parse("posix:///tether-suid?vfsType=tmpfs&options=size=8m,mode=0755"),
                MountPolicy.defaults().allowingSuidDev("tmpfs"));
        MountTable.Mount liftedMount = MountTable.ofHost().at(lifted).orElseThrow();
        assertTrue(!liftedMount.options().contains("nosuid") && !liftedMount.options().contains("nodev"), liftedMount.toString());
        assertEquals("0", asNobody(lifted.resolve("id").toString(), "-u").output().strip(), "setuid root honoured");
        assertEquals(0, asNobody("head", "-c", "4", lifted.resolve("zero").toString()).exit(), "the device node opens");
    }

    private static Host.Ran asNobody(String... command) {
        String[] runuser = new String[command.length + 4];
        runuser[0] = "runuser";
        runuser[1] = "-u";
        runuser[2] = "nobody";
        runuser[3] = "--";
        System.arraycopy(command, 0, runuser, 4, command.length);
        return Host.run(10, runuser);
    }
}
