package io.tether.vdsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.uri.UriParser;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The table of {@link VdsmUris}, both ways, with VDSM's example parameters (vdsm-api.yml's shapes). */
class VdsmUrisTest {
    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(DomainType.NFS, new VdsmConnection(null, "filer.example.com:/exports/data", null, null, null,
                        null, null, null, "soft,nosharecache", "4.1", null),
                        "nfs://filer.example.com/exports/data?version=4.1&options=soft,nosharecache"),
                Arguments.of(DomainType.POSIXFS, new VdsmConnection(null, "ceph.example.com:/vol", null, null, null, null,
                        null, "ceph", "name=admin", null, null),
                        "posix://ceph.example.com/vol?vfsType=ceph&options=name=admin"),
                Arguments.of(DomainType.GLUSTERFS, new VdsmConnection(null, "g1.example.com:/vol1", null, null, null, null,
                        null, null, "backup-volfile-servers=g2:g3", null, null),
                        "glusterfs://g1.example.com/vol1?backup-volfile-servers=g2:g3"),
                Arguments.of(DomainType.LOCALFS, new VdsmConnection(null, "/srv/local", null, null, null, null, null, null,
                        null, null, null), "file:///srv/local"),
                Arguments.of(DomainType.ISCSI, new VdsmConnection(null, "10.0.0.5", "3260",
                        "iqn.2003-01.org.example:vg1", "1", "chapuser", "s3cret", null, null, null, "eth1"),
                        "iscsi://chapuser%s3cret@10.0.0.5:3260/iqn.2003-01.org.example:vg1?tpgt=1&iface=eth1"));
    }

    @ParameterizedTest
    @MethodSource("table")
    void mapsEachWayAndTetherAcceptsTheUri(DomainType type, VdsmConnection connection, String uri) throws Exception {
        assertEquals(uri, VdsmUris.toUri(type, connection));
        assertEquals(new VdsmUris.Mapped(type, connection), VdsmUris.fromUri(uri));
        UriParser.parse(uri);
    }

    @Test
    void fcpIsNotMapped() {
        assertThrows(VdsmUris.UnmappableException.class, () -> VdsmUris.toUri(DomainType.FCP,
                new VdsmConnection("x", "anything", null, null, null, null, null, null, null, null, null)));
    }

    @Test
    void thePasswordIsNotInTheConnectionsText() {
        VdsmConnection c = new VdsmConnection("x", "h", null, "iqn.a:b", null, "u", "s3cret", null, null, null, null);
        assertEquals(-1, c.toString().indexOf("s3cret"));
    }
}
