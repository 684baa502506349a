package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tether.connection.UriParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** VDSM's mount directory naming (docs/connectors.md, "Mounts"). */
class MountPathsTest {
    private static final Path ROOT = Path.of("/rhev/data-center/mnt");

    @Test
    void specIsEscapedTheVdsmWay() throws Exception {
        assertEquals(ROOT.resolve("srv:_exp_my__data"), MountPaths.mountPoint(ROOT, UriParser.parse("nfs://srv/exp/my_data/")));
        assertEquals(ROOT.resolve("glusterSD/g1:_vol0"), MountPaths.mountPoint(ROOT, UriParser.parse("glusterfs://g1/vol0")));
        assertEquals(ROOT.resolve("_dev_sdb1"), MountPaths.mountPoint(ROOT, UriParser.parse("posix:///dev/sdb1?vfsType=ext4")));
        assertEquals("srv:/exp/my_data", MountPaths.spec(UriParser.parse("nfs://srv//exp/./my_data")));
    }
}
