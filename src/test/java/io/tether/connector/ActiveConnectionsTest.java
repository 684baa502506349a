package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing of mountinfo and of the iSCSI session tree. The files here are written by the test in
 * the kernel's formats: this machine has no NFS client or iSCSI initiator to make real ones (the
 * real-mount path is covered by UnmanagedConnectionsIT with a tmpfs).
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
        ActiveConnections scanner = new ActiveConnections(Path.of("/rhev/data-center/mnt"), new MountTable(mountinfo),
                new IscsiSessions(tmp.resolve("none")), new NvmeControllers(tmp.resolve("none")));
        List<ActiveConnections.Active> found = scanner.scan(List.of());
        assertEquals(3, found.size(), found.toString());
        assertEquals("nfs://srv/exp", found.get(0).key().value());
        assertEquals("nfs4", found.get(0).info().get("vfsType"));
        assertEquals("glusterfs://g1/vol0", found.get(1).key().value());
        assertEquals("/rhev/data-center/mnt/my dir", found.get(2).info().get("mountPoint"));
        assertEquals("posix", found.get(2).info().get("type"));
    }

    /**
     * A mount at a held connection's mount point is the connection's, whatever its source: a bind
     * mount shows the device its directory lives on, a loop mount its loop device, and VDSM's mount
     * may be under another spelling of the host; none of them is another, unmanaged connection.
     */
    @Test
    void mountsAtTheMountPointsOfHeldConnectionsAreTheirs() throws Exception {
        Path mountinfo = Files.writeString(tmp.resolve("mountinfo"), String.join("\n",
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
                "40 22 8:1 /srv/vm_data /rhev/data-center/mnt/_srv_vm__data rw - ext4 /dev/vda rw",
                "41 22 7:0 / /rhev/data-center/mnt/_var_lib_disk.img rw - ext4 /dev/loop0 rw",
                "42 22 0:36 / /rhev/data-center/mnt/Filer:_exp rw - nfs4 Filer:/exp rw",
                "43 22 0:37 / /rhev/data-center/mnt/glusterSD/G1:_vol rw - fuse.glusterfs G1:/vol rw",
                "44 22 0:38 / /rhev/data-center/mnt/other:_exp rw - nfs4 other:/exp rw",
                "45 22 8:1 /srv/vm_data /rhev/data-center/mnt/by_hand rw - ext4 /dev/vda rw",
                ""));
        ActiveConnections scanner = new ActiveConnections(Path.of("/rhev/data-center/mnt"), new MountTable(mountinfo),
                new IscsiSessions(tmp.resolve("none")), new NvmeControllers(tmp.resolve("none")));
        List<StorageUri> held = new java.util.ArrayList<>();
        for (String uri : List.of("posix:///srv/vm_data?vfsType=none&options=bind",
                "posix:///var/lib/disk.img?vfsType=ext4&options=loop", "nfs://filer/exp", "glusterfs://g1/vol",
                "iscsi://10.0.0.5/iqn.2001-04.com.example:d", "file:///srv/local")) {
            held.add(UriParser.parse(uri));
        }
        List<ActiveConnections.Active> found = scanner.scan(held);
        assertEquals(List.of("/rhev/data-center/mnt/other:_exp", "/rhev/data-center/mnt/by_hand"),
                found.stream().map(a -> a.info().get("mountPoint")).toList());
        assertEquals(6, scanner.scan(List.of()).size(), "held by nobody, every one is listed");
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
        ActiveConnections scanner = new ActiveConnections(tmp.resolve("mnt"), new MountTable(tmp.resolve("no-mountinfo")), new IscsiSessions(sessions),
                new NvmeControllers(tmp.resolve("none")));
        List<ActiveConnections.Active> found = scanner.scan(List.of());
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
                new IscsiSessions(sessions), new NvmeControllers(tmp.resolve("none"))).scan(List.of());
        assertEquals("nfs://[2001:db8::a]/exp", found.get(0).key().value());
        assertEquals("iscsi://[2001:db8::a]/iqn.2003-01.org.example:vg1", found.get(1).key().value());
    }
}
