package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registry of storage types ({@link StorageType}, each with its {@link Scheme}): one scheme per
 * type, and for each an example URI that goes through parse, key and connection info, and, when it
 * is mounted, back from the host's mount to the same key. A new type fails here until it has an
 * example.
 */
class SchemesTest {

    /** An example URI of a type, the key it names and what an engine may see of it. */
    record Example(String uri, String key, Map<String, Object> info) {
    }

    private static final Map<StorageType, Example> EXAMPLES = new EnumMap<>(Map.of(
            StorageType.NFS, new Example("nfs://Filer.Example.com:2049/exports//data/?version=4.1&timeo=600",
                    "nfs://filer.example.com/exports/data",
                    Map.of("type", "nfs", "host", "filer.example.com", "path", "/exports/data", "version", "4.1",
                            "timeo", "600")),
            StorageType.ISCSI, new Example("iscsi://chapuser%S3cret@10.0.0.5/iqn.2001-04.com.Example:disk/3?tpgt=1",
                    "iscsi://10.0.0.5/iqn.2001-04.com.example:disk",
                    Map.of("type", "iscsi", "host", "10.0.0.5", "iqn", "iqn.2001-04.com.example:disk", "lun", 3,
                            "auth", "chap", "tpgt", "1")),
            StorageType.GLUSTERFS, new Example("glusterfs://g1:24007/vol0?backup-volfile-servers=G2:g3",
                    "glusterfs://g1/vol0",
                    Map.of("type", "glusterfs", "host", "g1", "volume", "vol0", "backup-volfile-servers", "g2:g3")),
            StorageType.POSIX, new Example("posix://fileserver/share?vfsType=cifs&options=username=u,password=p",
                    "posix://fileserver/share",
                    Map.of("type", "posix", "host", "fileserver", "path", "/share", "vfsType", "cifs",
                            "options", List.of("username=u", "password=***"))),
            StorageType.FILE, new Example("file://localhost/srv/data/", "file:///srv/data",
                    Map.of("type", "file", "path", "/srv/data")),
            StorageType.NVME_TCP, new Example("nvme+tcp://DHHC-1:00:pgyqILTpXNz2qLThj6bJn+tW+DayfZz39zJnzEGAJu1k%2FmwH:"
                    + "@192.0.2.7:4420/nqn.2014-08.org.example:disk?ctrl-loss-tmo=60",
                    "nvme+tcp://192.0.2.7/nqn.2014-08.org.example:disk",
                    Map.of("type", "nvme+tcp", "host", "192.0.2.7", "nqn", "nqn.2014-08.org.example:disk", "auth", "dhchap",
                            "ctrl-loss-tmo", "60"))));

    @Test
    void theRegistryHasOneSchemePerType() {
        for (StorageType type : StorageType.values()) {
            assertEquals(type.scheme(), type.definition().facts().name(), type.toString());
            assertEquals(Optional.of(type), StorageType.ofScheme(type.scheme()));
        }
        Set<Class<?>> classes = Arrays.stream(StorageType.values()).map(t -> t.definition().getClass())
                .collect(Collectors.toSet());
        assertEquals(StorageType.values().length, classes.size(), "a scheme class serves one type");
        assertEquals(Set.of(StorageType.values()), EXAMPLES.keySet(), "every type has an example here");
    }

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void anExampleRoundTrips(StorageType type) throws Exception {
        Example example = EXAMPLES.get(type);
        StorageUri uri = UriParser.parse(example.uri());
        assertEquals(type, uri.type());
        assertEquals(example.key(), uri.key().value());
        assertEquals(example.info(), uri.connectionInfo());
        assertEquals(uri, UriParser.parse(uri.toStringWithCredentials()), "the normalised form parses back");
        assertEquals(uri.key(), UriParser.parse(uri.toString()).key(), "so does the form without credentials");
    }

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void aMountOnTheHostMapsBackToTheKey(StorageType type) throws Exception {
        StorageUri uri = UriParser.parse(EXAMPLES.get(type).uri());
        Optional<MountSettings> mount = type.definition().mount(uri);
        assertEquals(type.definition().facts().makes() == Scheme.Makes.MOUNT, mount.isPresent());
        if (mount.isPresent()) {
            assertEquals(type, StorageType.ofMount(mount.get().vfsType()));
            assertEquals(Optional.of(uri.key()), type.definition().keyOfMount(mount.get().vfsType(), mount.get().source()));
        }
    }

    @Test
    void kernelTypesOfMounts() {
        assertEquals(StorageType.NFS, StorageType.ofMount("nfs4"));
        assertEquals(StorageType.GLUSTERFS, StorageType.ofMount("fuse.glusterfs"));
        assertEquals(StorageType.POSIX, StorageType.ofMount("ext4"));
        assertEquals(StorageType.POSIX, StorageType.ofMount("fuse.sshfs"));
    }

    @Test
    void nfsMountsWithVdsmsOptions() throws Exception {
        assertEquals(List.of("soft", "nosharecache", "timeo=100", "retrans=3"), options("nfs://s/e"));
        assertEquals(List.of("soft", "nosharecache", "timeo=100", "retrans=3", "nfsvers=3", "nolock", "port=2050"),
                options("nfs://s:2050/e?version=3"));
        assertEquals(List.of("soft", "nosharecache", "timeo=50", "retrans=6", "nfsvers=4", "minorversion=1"),
                options("nfs://s/e?version=4.1&timeo=50&retrans=6&options=noatime"));
        MountSettings nfs = mount("nfs://s:2050/e?version=3");
        assertEquals("s:/e", nfs.source());
        assertEquals(Optional.of(new ServerCheck.NfsNull("s", 2050, 3)), nfs.serverCheck());
        assertEquals(Optional.of(new ServerCheck.NfsNull("s", 2049, 4)), mount("nfs://s/e").serverCheck());
    }

    /** version=auto is no version: mount negotiates, and auto and none are one URI. */
    @Test
    void nfsVersionAutoLetsMountNegotiate() throws Exception {
        assertEquals(List.of("soft", "nosharecache", "timeo=100", "retrans=3"), options("nfs://s/e?version=auto"));
        assertEquals(UriParser.parse("nfs://s/e"), UriParser.parse("nfs://s/e?version=auto"));
        assertEquals(List.of("soft", "nosharecache", "timeo=100", "retrans=3", "nfsvers=4", "minorversion=2"),
                options("nfs://s/e?version=4.2&readCheck=dom_md/metadata"));
        assertEquals("dom_md/metadata", UriParser.parse("glusterfs://g/v?readCheck=./dom_md//metadata").params().get("readCheck"));
        assertEquals("dom_md/metadata", UriParser.parse("nfs://s/e?readCheck=dom_md/metadata").connectionInfo().get("readCheck"));
    }

    @Test
    void glusterAndPosixMountSettings() throws Exception {
        MountSettings gluster = mount("glusterfs://g:24008/v?backup-volfile-servers=a:b");
        assertEquals(List.of("backup-volfile-servers=a:b", "server-port=24008"), texts(gluster));
        assertEquals("glusterSD", gluster.directory());
        assertEquals(Optional.of(new ServerCheck.Tcp("GlusterFS server", "g", 24008)), gluster.serverCheck());
        MountSettings posix = mount("posix://h:2000/p?vfsType=cifs");
        assertEquals("h:2000:/p", posix.source());
        assertEquals(List.of("port=2000"), texts(posix));
        assertTrue(posix.typeRequested());
        assertEquals(Optional.empty(), posix.serverCheck());
        assertEquals("/dev/sdb1", mount("posix:///dev/sdb1?vfsType=ext4").source());
    }

    private static MountSettings mount(String uri) throws InvalidUriException {
        StorageUri parsed = UriParser.parse(uri);
        return parsed.type().definition().mount(parsed).orElseThrow();
    }

    private static List<String> options(String uri) throws InvalidUriException {
        return texts(mount(uri));
    }

    private static List<String> texts(MountSettings settings) {
        return settings.options().stream().map(io.tether.argv.MountOption::text).toList();
    }

    /** Secrets of these types go in mount options, where they are redacted: never as user info. */
    @ParameterizedTest
    @ValueSource(strings = {"posix://user@fileserver/share?vfsType=cifs", "posix://user%pw@fileserver/share?vfsType=cifs",
        "file://user@localhost/srv/data", "glusterfs://user@g1/vol0", "nfs://user@filer/export"})
    void typesThatMountRefuseUserInfo(String uri) {
        InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse(uri));
        assertTrue(e.getMessage().contains("takes no user or password"), e.getMessage());
    }

    @Test
    void aFileUriNamesItsDirectory() throws Exception {
        assertEquals(Path.of("/srv/data"), FileScheme.directory(UriParser.parse("file:///srv/data/")));
    }

    /** The GlusterFS client shows a volume reached over RDMA as volume.rdma; it is the same mount. */
    @Test
    void aGlusterVolumeOverRdmaMapsBackToItsKey() throws Exception {
        Scheme gluster = StorageType.GLUSTERFS.definition();
        assertEquals("g1:/vol0", gluster.specOfMount("fuse.glusterfs", "g1:/vol0.rdma"));
        assertEquals("g1:/vol0", gluster.specOfMount("fuse.glusterfs", "g1:/vol0"));
        assertEquals("g1:/vol0.rdma", gluster.specOfMount("glusterfs", "g1:/vol0.rdma"), "only the FUSE client adds it");
        assertEquals(Optional.of(UriParser.parse("glusterfs://g1/vol0").key()),
                gluster.keyOfMount("fuse.glusterfs", "g1:/vol0.rdma"));
    }

    @Test
    void anIscsiSessionOnTheHostMapsBackToItsKey() throws Exception {
        assertEquals(Optional.of(UriParser.parse("iscsi://10.0.0.5/iqn.2001-04.com.example:disk").key()),
                IscsiScheme.keyOfSession("10.0.0.5", 3260, "iqn.2001-04.com.example:disk"));
        assertEquals(Optional.of(UriParser.parse("iscsi://[2001:db8::1]:3261/iqn.2001-04.com.example:disk").key()),
                IscsiScheme.keyOfSession("2001:db8:0:0:0:0:0:1", 3261, "iqn.2001-04.com.example:disk"), "sysfs's IPv6 spelling");
        assertEquals(Optional.empty(), IscsiScheme.keyOfSession("10.0.0.5", 3260, "not-an-iqn"));
    }

    @Test
    void iscsiLogsInThroughTheNamedInterfaceOrOpenIscsisDefault() throws Exception {
        IscsiScheme.Target named = IscsiScheme.target(UriParser.parse("iscsi://h/iqn.2001-04.com.example:d?iface=eth1&tpgt=2"));
        assertEquals(new IscsiScheme.Target("iqn.2001-04.com.example:d", "h", 3260, "2", "eth1"), named);
        assertEquals("eth1", named.ifaceOrDefault());
        assertEquals("default", IscsiScheme.target(UriParser.parse("iscsi://h/iqn.2001-04.com.example:d")).ifaceOrDefault());
    }
}
