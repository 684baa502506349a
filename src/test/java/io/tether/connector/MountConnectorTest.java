package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.StorageType;
import io.tether.connection.StorageUri;
import io.tether.connection.UriParser;
import io.tether.testing.RecordingRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount connector's own check of the mount policy, for CIDs that reach it without passing a
 * request's check (stored by an older version): it refuses before running anything, and does not
 * adopt a mount that is already there either. Needs no root: nothing is run.
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
            ConnectorException e = assertThrows(ConnectorException.class, () -> posix.connect(UriParser.parse(uri)));
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
                "100 1 0:50 / " + point + " rw,nosuid,nodev - fuse.sshfs h.invalid:/p rw\n");
        MountConnector posix = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults());
        ConnectorException e = assertThrows(ConnectorException.class, () -> posix.connect(uri));
        assertEquals("file system type 'fuse.sshfs' is not allowed on this host; the host's operator can allow it"
                + " with --allow-vfs-type fuse.sshfs", e.getMessage());
        assertEquals(List.of(), runner.commands, "not even stat of the existing mount");

        MountConnector allowed = new MountConnector(StorageType.POSIX, root, runner, new MountTable(mountInfo),
                Duration.ofSeconds(1), MountPolicy.defaults().allowingVfsType("fuse.sshfs")
                        .allowingOption("fuse.sshfs", "reconnect"));
        // Allowed, the connector goes on to probe the mount it found (here the runner answers "failed").
        assertThrows(ConnectorException.class, () -> allowed.connect(uri));
        assertEquals("stat -c %F " + point, runner.commands.get(0));
    }
}
