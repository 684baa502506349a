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

    /** VDSM keeps an IPv6 server in brackets in the spec and the name; every spelling of one address gets the one directory. */
    @Test
    void anIpv6ServerHasOneDirectory() throws Exception {
        for (String host : new String[] {"[::1]", "[0:0:0:0:0:0:0:1]", "[0000::0001]"}) {
            assertEquals(ROOT.resolve("[::1]:_v6"), MountPaths.mountPoint(ROOT, UriParser.parse("nfs://" + host + "/v6")));
            assertEquals(ROOT.resolve("glusterSD/[::1]:_vol"),
                    MountPaths.mountPoint(ROOT, UriParser.parse("glusterfs://" + host + "/vol")));
        }
    }
}
