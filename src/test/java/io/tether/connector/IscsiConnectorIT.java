package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.HostResource;
import io.tether.testing.Requirements;
import io.tether.testing.servers.TgtServer;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * iSCSI against a real tgt target with CHAP on 127.0.0.1. This machine's kernel has no initiator,
 * so iscsiadm's part fails as it really does here ("iscsiadm not found" without open-iscsi; with it,
 * no iscsid to log in through); what the connector checks at the target (portal, CHAP, target name)
 * is checked against tgt up, down and with a wrong password. The real login, with the kernel's
 * initiator, is IscsiKernelCases's.
 */
@HostResource("tgtd")
class IscsiConnectorIT {
    @TempDir
    Path tmp;
    private IscsiConnector iscsi;

    @BeforeEach
    void setUp() {
        Requirements.needRoot();
        Requirements.needTool("tgtd", "tgt");
        Requirements.needTool("iscsi-inq", "libiscsi-bin");
        iscsi = new IscsiConnector(new CommandRunner(), IscsiSessions.ofHost(), Duration.ofSeconds(10));
    }

    private static StorageUri uri(String password, String target) throws Exception {
        return UriParser.parse("iscsi://" + TgtServer.USER + "%" + password + "@127.0.0.1/" + target + "/1");
    }

    @Test
    void targetChecksThenIscsiadm() throws Exception {
        try (TgtServer tgt = new TgtServer(Files.createDirectories(tmp.resolve("tgt")))) {
            ConnectorException wrongPassword = assertThrows(ConnectorException.class,
                    () -> iscsi.establish(uri("not-the-password", TgtServer.TARGET)));
            assertEquals(VdsmError.iSCSILoginAuthError, wrongPassword.error());
            assertFalse(wrongPassword.getMessage().contains("not-the-password"));

            ConnectorException noTarget = assertThrows(ConnectorException.class,
                    () -> iscsi.establish(uri(TgtServer.PASSWORD, "iqn.2026-11.io.tether:no-such-target")));
            assertEquals(VdsmError.iSCSILoginError, noTarget.error());
            assertTrue(noTarget.getMessage().contains("has no target"), noTarget.getMessage());

            // Right credentials pass the target checks; then iscsiadm takes over.
            ConnectorException initiator = assertThrows(ConnectorException.class,
                    () -> iscsi.establish(uri(TgtServer.PASSWORD, TgtServer.TARGET)));
            assertNotEquals(VdsmError.iSCSILoginAuthError, initiator.error(), initiator.getMessage());
            if (!Files.isExecutable(Path.of("/usr/sbin/iscsiadm")) && !Files.isExecutable(Path.of("/sbin/iscsiadm"))) {
                assertEquals(VdsmError.iSCSISetupError, initiator.error());
                assertEquals("iscsiadm not found: install open-iscsi", initiator.getMessage());
            }
            assertFalse(initiator.getMessage().contains(TgtServer.PASSWORD));

            ConnectorException noSession = assertThrows(ConnectorException.class, () -> iscsi.probe(uri(TgtServer.PASSWORD, TgtServer.TARGET)));
            assertTrue(noSession.getMessage().startsWith("no iSCSI session"), noSession.getMessage());
            iscsi.disconnect(uri(TgtServer.PASSWORD, TgtServer.TARGET));

            tgt.stop();
            ConnectorException down = assertThrows(ConnectorException.class,
                    () -> iscsi.establish(uri(TgtServer.PASSWORD, TgtServer.TARGET)));
            assertEquals(VdsmError.iSCSILoginError, down.error());
            assertTrue(down.getMessage().contains("iSCSI portal 127.0.0.1:3260 is unreachable"), down.getMessage());
        }
    }
}
