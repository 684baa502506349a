package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing of mountinfo and of the iSCSI session tree. The files here are written by the test in
 * the kernel's formats: this machine has no NFS client or iSCSI initiator to make real ones (the
 * real-mount path is covered by UnmanagedConnectionsTest with a tmpfs).
 */
class ActiveConnectionsTest {
    @TempDir
    Path tmp;

    @Test
    void mountsUnderTheRootBecomeConnections() throws Exception {
        Path mountinfo = Files.writeString(tmp.resolve("mountinfo"), String.join("\n",
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
                "40 22 0:35 / /rhev/data-center/mnt/srv:_exp rw,relatime shared:20 - nfs4 srv:/exp rw,vers=4.1",
                "41 22 0:36 / /rhev/data-center/mnt/glusterSD/g1:_vol0 rw - fuse.glusterfs g1:/vol0 rw",
                "42 22 0:37 / /rhev/data-center/mnt/my\\040dir rw - tmpfs tmpfs rw,size=1024k",
                "43 22 0:38 / /elsewhere rw - nfs other:/x rw",
                ""));
        ActiveConnections scanner = new ActiveConnections(Path.of("/rhev/data-center/mnt"), new MountTable(mountinfo), new IscsiSessions(tmp.resolve("none")));
        List<ActiveConnections.Active> found = scanner.scan();
        assertEquals(3, found.size(), found.toString());
        assertEquals("nfs://srv/exp", found.get(0).key().value());
        assertEquals("nfs4", found.get(0).info().get("vfsType"));
        assertEquals("glusterfs://g1/vol0", found.get(1).key().value());
        assertEquals("/rhev/data-center/mnt/my dir", found.get(2).info().get("mountPoint"));
        assertEquals("posix", found.get(2).info().get("type"));
    }

    @Test
    void iscsiSessionsFromSysfs() throws Exception {
        Path sessions = tmp.resolve("iscsi_session");
        Path session = Files.createDirectories(sessions.resolve("session3"));
        Files.writeString(session.resolve("targetname"), "iqn.2003-01.org.example:vg1\n");
        Files.writeString(session.resolve("tpgt"), "1\n");
        Path attrs = Files.createDirectories(session.resolve("device/connection3:0/iscsi_connection/connection3:0"));
        Files.writeString(attrs.resolve("persistent_address"), "192.0.2.10\n");
        Files.writeString(attrs.resolve("persistent_port"), "3260\n");
        ActiveConnections scanner = new ActiveConnections(tmp.resolve("mnt"), new MountTable(tmp.resolve("no-mountinfo")), new IscsiSessions(sessions));
        List<ActiveConnections.Active> found = scanner.scan();
        assertEquals(1, found.size());
        assertEquals("iscsi://192.0.2.10/iqn.2003-01.org.example:vg1", found.get(0).key().value());
        assertEquals("session3", found.get(0).info().get("session"));
        assertEquals("1", found.get(0).info().get("tpgt"));
    }

    /** A session or mount at an IPv6 address has the key a URI with that address has, however the host writes it. */
    @Test
    void ipv6AddressesFoundOnTheHostGetTheCanonicalKey() throws Exception {
        Path sessions = tmp.resolve("iscsi_session");
        Path session = Files.createDirectories(sessions.resolve("session4"));
        Files.writeString(session.resolve("targetname"), "iqn.2003-01.org.example:vg1\n");
        Path attrs = Files.createDirectories(session.resolve("device/connection4:0/iscsi_connection/connection4:0"));
        Files.writeString(attrs.resolve("persistent_address"), "2001:0db8:0000:0000:0000:0000:0000:000a\n");
        Files.writeString(attrs.resolve("persistent_port"), "3260\n");
        Path mountinfo = Files.writeString(tmp.resolve("mountinfo"),
                "40 22 0:35 / /mnt/[2001:DB8::0a]:_exp rw - nfs4 [2001:DB8::0a]:/exp rw\n");
        List<ActiveConnections.Active> found = new ActiveConnections(Path.of("/mnt"), new MountTable(mountinfo),
                new IscsiSessions(sessions)).scan();
        assertEquals("nfs://[2001:db8::a]/exp", found.get(0).key().value());
        assertEquals("iscsi://[2001:db8::a]/iqn.2003-01.org.example:vg1", found.get(1).key().value());
    }
}
