package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * VDSM's mount directory naming (docs/connectors.md, "Mount directories"), checked against VDSM's
 * own test cases, row for row, from oVirt's vdsm repository:
 * <ul>
 * <li>{@code tests/storage/fileutil_test.py}, {@code test_normalize_path_equals}: the mount spec as
 * {@code lib/vdsm/storage/fileUtils.py} {@code normalize_path} normalises it;</li>
 * <li>{@code tests/storage/storageserver_test.py}, {@code TestMountConnection.test_normalize_local_path}
 * and {@code TestGlusterFSConnection.test_mountpoint}: the spec a connection mounts and its mount point
 * ({@code fs_spec}, {@code fs_file}) under VDSM's test root {@code /tmp}, as
 * {@code lib/vdsm/storage/storageServer.py} {@code MountConnection} makes them.</li>
 * </ul>
 * Each VDSM spec is also written as the Tether URI an engine would send for it, which must mount
 * the same spec at the same mount point. Three of VDSM's specs have no such URI, as said in their
 * rows: a Tether URI's path is absolute, so neither a relative path ({@code proc}) nor a host
 * followed by something other than a port and a path ({@code server:01234:/}) can be written.
 * VDSM's cases are all of its generic mount connection (Tether's {@code posix://}), NFS (which
 * mounts through it) and GlusterFS, types Tether has.
 */
class MountPathsTest {
    private static final Path ROOT = Path.of("/rhev/data-center/mnt");
    /** The mount root of VDSM's storageserver_test.py. */
    private static final Path VDSM_TEST_ROOT = Path.of("/tmp");

    /** fileutil_test.py: VDSM's spec, normalize_path's answer, and the Tether URI of that spec ("" for none). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // Remote paths without a port
        "server:/path|server:/path|nfs://server/path",
        "server://path|server:/path|nfs://server//path",
        "server:///path|server:/path|nfs://server///path",
        "server:/path/|server:/path|nfs://server/path/",
        "server:/pa:th|server:/pa:th|nfs://server/pa:th",
        "server:/path//|server:/path|nfs://server/path//",
        "server:/|server:/|nfs://server/",
        "server://|server:/|nfs://server//",
        "server:///|server:/|nfs://server///",
        "12.34.56.78:/|12.34.56.78:/|nfs://12.34.56.78/",
        "[2001:db8::60fe:5bf:febc:912]:/|[2001:db8::60fe:5bf:febc:912]:/|nfs://[2001:db8::60fe:5bf:febc:912]/",
        // No URI: after the host comes a port and an absolute path, never a tail like this.
        "server:01234:/|server:01234:|",
        // Remote paths with a port (relevant for cephfs mounts)
        "server:6789:/path|server:6789:/path|posix://server:6789/path?vfsType=ceph",
        "server:6789:/|server:6789:/|posix://server:6789/?vfsType=ceph",
        // Local paths
        "/path/to/device|/path/to/device|posix:///path/to/device?vfsType=ext4",
        "/path/to//device/|/path/to/device|posix:///path/to//device/?vfsType=ext4",
        // Other paths: relative, which no URI writes.
        "proc|proc|",
        "path//to///device/|path/to/device|",
    })
    void specsAreNormalisedAsVdsmNormalisesThem(String spec, String normalised, String uri) throws Exception {
        assertEquals(normalised, MountPaths.normalise(spec));
        if (uri != null) {
            StorageUri parsed = UriParser.parse(uri);
            assertEquals(normalised, MountPaths.settings(parsed).source());
            assertEquals(ROOT.resolve(MountPaths.escape(normalised)), MountPaths.mountPoint(ROOT, parsed));
        }
    }

    /** storageserver_test.py: VDSM's spec, the fs_spec and fs_file it mounts, and the Tether URI of that spec. */
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "server:/a/|server:/a|/tmp/server:_a|posix://server/a/?vfsType=nfs",
        "server:/a//|server:/a|/tmp/server:_a|posix://server/a//?vfsType=nfs",
        "server:/a/b|server:/a/b|/tmp/server:_a_b|posix://server/a/b?vfsType=nfs",
        "server:/a//b|server:/a/b|/tmp/server:_a_b|posix://server/a//b?vfsType=nfs",
        "server:/a/b_c|server:/a/b_c|/tmp/server:_a_b__c|posix://server/a/b_c?vfsType=nfs",
        "server:/|server:/|/tmp/server:_|posix://server/?vfsType=nfs",
        "server:6789:/path|server:6789:/path|/tmp/server:6789:_path|posix://server:6789/path?vfsType=ceph",
        "server:6789:/|server:6789:/|/tmp/server:6789:_|posix://server:6789/?vfsType=ceph",
        // GlusterFSConnection: its mounts go in glusterSD/.
        "server:/volume|server:/volume|/tmp/glusterSD/server:_volume|glusterfs://server/volume",
    })
    void connectionsMountWhereVdsmMountsThem(String spec, String fsSpec, String fsFile, String uri) throws Exception {
        StorageUri parsed = UriParser.parse(uri);
        assertEquals(fsSpec, MountPaths.normalise(spec));
        assertEquals(fsSpec, MountPaths.settings(parsed).source());
        assertEquals(Path.of(fsFile), MountPaths.mountPoint(VDSM_TEST_ROOT, parsed));
    }

    /**
     * What VDSM's code does with a host as the engine sends it (normalize_path and transformPath
     * keep it as written): the directory is named after that spelling, whatever the key makes of it.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "nfs://Filer01/exports/data|Filer01:_exports_data|nfs://filer01/exports/data",
        "nfs://FILER01.Example.COM:2049//exports/./data/|FILER01.Example.COM:_exports_data|nfs://filer01.example.com/exports/data",
        "glusterfs://Gluster-1/Vol_A|glusterSD/Gluster-1:_Vol__A|glusterfs://gluster-1/Vol_A",
        "posix://NAS/share?vfsType=cifs|NAS:_share|posix://nas/share",
        "posix://NAS:445/share?vfsType=cifs|NAS:445:_share|posix://nas:445/share",
        "nfs://[2001:DB8::A]/exp|[2001:DB8::A]:_exp|nfs://[2001:db8::a]/exp",
        "nfs://[0000::0001]/v6|[0000::0001]:_v6|nfs://[::1]/v6",
        "nfs://[::1]/v6|[::1]:_v6|nfs://[::1]/v6",
        "nfs://my_nas/exports|my__nas:_exports|nfs://my_nas/exports",
        "nfs://My_NAS/my_exports/|My__NAS:_my__exports|nfs://my_nas/my_exports",
    })
    void theDirectoryKeepsTheHostAsWritten(String uri, String directory, String key) throws Exception {
        StorageUri parsed = UriParser.parse(uri);
        assertEquals(ROOT.resolve(directory), MountPaths.mountPoint(ROOT, parsed));
        assertEquals(key, parsed.key().value());
        assertEquals(parsed, UriParser.parse(parsed.toStringWithCredentials()), "the stored URI names the same directory");
    }
}
