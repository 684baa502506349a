package io.tether.vdsm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The status connectStorageServer answers for a failed connection: VDSM's number for the same
 * failure (docs/operations.md's table; VDSM's storageServer.py translate_error).
 */
class ConnectStatusTest {
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            // A mount type's server that does not answer, or a refused mount: VDSM's mount fails.
            "NFS, 451, 477", "NFS, 453, 477", "NFS, 477, 477", "POSIXFS, 451, 477", "GLUSTERFS, 451, 477",
            // Mounted, but not readable and writable: VDSM's access check says the same.
            "NFS, 469, 469",
            // A local path that is not a directory: VDSM's InvalidParameterException.
            "LOCALFS, 453, 1000", "LOCALFS, 469, 469",
            // iscsiadm: VDSM's connect answers 465 for all but CHAP and interface errors.
            "ISCSI, 464, 465", "ISCSI, 451, 465", "ISCSI, 465, 465", "ISCSI, 476, 476", "ISCSI, 473, 473",
            "NFS, 100, 100"})
    void isVdsmsNumberForTheSameFailure(DomainType type, int tether, int vdsm) {
        assertEquals(vdsm, ConnectStatus.of(type, tether));
    }
}
