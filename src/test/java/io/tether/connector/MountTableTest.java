package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mountinfo as the kernel writes it: bytes, paths with octal escapes, and lines any user can add
 * (a FUSE mount through the setuid fusermount3) whose paths are not text. MountConnectorIT has the
 * same line made by a real unprivileged user.
 */
class MountTableTest {
    @TempDir
    Path tmp;

    private MountTable table(byte[]... lines) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.write(line);
            out.write('\n');
        }
        return new MountTable(Files.write(tmp.resolve("mountinfo"), out.toByteArray()));
    }

    private static byte[] text(String line) {
        return line.getBytes(StandardCharsets.UTF_8);
    }

    /** One user's line with a byte that is not UTF-8 (0xff) used to empty the whole table for every connector. */
    @Test
    void aLineThatIsNotTextHidesNothingAndIsNeverOurs() throws Exception {
        ByteArrayOutputStream fuse = new ByteArrayOutputStream();
        fuse.write(text("44 26 0:39 / /tmp/x-"));
        fuse.write(0xff);
        fuse.write(text(" rw,nosuid,nodev,relatime - fuse.sshfs 127.0.0.1:/tmp rw,user_id=65534,group_id=65534"));
        MountTable table = table(text("26 1 254:0 / / rw,relatime - ext4 /dev/vda rw"), fuse.toByteArray(),
                text("50 26 0:50 / /var/lib/tether/mnt/_tether rw - tmpfs /tether rw,size=1024k"));
        List<MountTable.Mount> mounts = table.mounts();
        assertEquals(3, mounts.size());
        assertTrue(table.at(Path.of("/var/lib/tether/mnt/_tether")).isPresent(), "the mount after it is still seen");
        MountTable.Mount theirs = mounts.get(1);
        assertFalse(theirs.exact());
        assertEquals("/tmp/x-\uFFFD", theirs.mountPoint().toString());
        assertTrue(mounts.get(0).exact() && mounts.get(2).exact());
        assertEquals("254:0", mounts.get(0).device());
    }

    @Test
    void octalEscapesAreDecodedToTheBytesTheyStandFor() throws Exception {
        MountTable table = table(text("42 22 0:37 /a\\134b /mnt/my\\040dir\\011tab\\012nl rw - tmpfs some\\040source rw"));
        MountTable.Mount mount = table.mounts().get(0);
        assertEquals(Path.of("/mnt/my dir\ttab\nnl"), mount.mountPoint());
        assertEquals("/a\\b", mount.root());
        assertEquals("some source", mount.source());
        assertTrue(mount.exact());
        // Escaped UTF-8 bytes make UTF-8 text again.
        assertEquals("/mnt/é", table(text("1 1 0:1 / /mnt/\\303\\251 rw - tmpfs x rw")).mounts().get(0).mountPoint().toString());
    }

    @Test
    void optionalFieldsAndTheSeparatorAreFound() throws Exception {
        MountTable.Mount mount = table(text("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue"))
                .mounts().get(0);
        assertEquals(Path.of("/mnt2"), mount.mountPoint());
        assertEquals("ext3", mount.fsType());
        assertEquals("/dev/root", mount.source());
        assertEquals(List.of("rw", "errors=continue"), mount.superOptions());
    }

    /** What is mounted is unknown, not "nothing": a connector would otherwise mount again on top. */
    @Test
    void aTableThatCannotBeReadOrParsedIsUnknown() throws Exception {
        MountTable missing = new MountTable(tmp.resolve("no-such-mountinfo"));
        assertTrue(assertThrows(MountTable.Unreadable.class, missing::mounts).getMessage().endsWith("what is mounted is unknown"));
        MountTable garbled = table(text("26 1 254:0 / / rw - ext4 /dev/vda rw"), text("this is no mountinfo line"));
        MountTable.Unreadable e = assertThrows(MountTable.Unreadable.class, () -> garbled.at(Path.of("/")));
        assertTrue(e.getMessage().startsWith("line 2 of the mount table"), e.getMessage());
    }
}
