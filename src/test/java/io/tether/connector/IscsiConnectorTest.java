package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.RecordingRunner;
import io.tether.uri.UriParser;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the iSCSI connector finds the host's session for a URI, against a sysfs tree written by the
 * test: the portal address compares in one spelling, whichever way sysfs and the URI write it.
 * Needs no initiator: nothing is run.
 */
class IscsiConnectorTest {
    private static final String IQN = "iqn.2003-01.org.example:vg1";

    @TempDir
    Path tmp;

    private IscsiSessions sessionAt(String address) throws Exception {
        Path sessions = tmp.resolve("iscsi_session");
        Path session = Files.createDirectories(sessions.resolve("session3"));
        Files.writeString(session.resolve("targetname"), IQN + "\n");
        Path attrs = Files.createDirectories(session.resolve("device/connection3:0/iscsi_connection/connection3:0"));
        Files.writeString(attrs.resolve("persistent_address"), address + "\n");
        Files.writeString(attrs.resolve("persistent_port"), "3260\n");
        return new IscsiSessions(sessions);
    }

    @Test
    void anIpv6SessionIsFoundWhateverItsSpelling() throws Exception {
        for (String shown : List.of("::1", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001")) {
            RecordingRunner runner = new RecordingRunner();
            IscsiConnector iscsi = new IscsiConnector(runner, sessionAt(shown), Duration.ofSeconds(1));
            for (String uri : List.of("iscsi://[::1]/" + IQN, "iscsi://[0::0:1]:3260/" + IQN)) {
                iscsi.probe(UriParser.parse(uri));
                iscsi.establish(UriParser.parse(uri));
            }
            assertEquals(List.of(), runner.commands, "the session is adopted, nothing run (sysfs shows " + shown + ")");
        }
    }

    @Test
    void anotherAddressIsAnotherSession() throws Exception {
        IscsiConnector iscsi = new IscsiConnector(new RecordingRunner(), sessionAt("::2"), Duration.ofSeconds(1));
        ConnectorException e = assertThrows(ConnectorException.class,
                () -> iscsi.probe(UriParser.parse("iscsi://[::1]/" + IQN)));
        assertEquals("no iSCSI session to " + IQN + " at [::1]:3260", e.getMessage());
    }
    /** A login check that fails for a reason the connector does not know is the command, its exit code and its words. */
    @Test
    void aFailedLoginCheckSaysWhatRanAndWhatItSaid() throws Exception {
        try (ServerSocket portal = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IscsiConnector iscsi = new IscsiConnector(new RecordingRunner(), new IscsiSessions(tmp.resolve("none")),
                    Duration.ofSeconds(1));
            ConnectorException e = assertThrows(ConnectorException.class, () -> iscsi.establish(UriParser.parse(
                    "iscsi://user%hunter2@127.0.0.1:" + portal.getLocalPort() + "/" + IQN + "/1")));
            assertEquals(VdsmError.iSCSILoginError, e.error());
            assertTrue(e.getMessage().startsWith("login at the target: iscsi-inq -i "), e.getMessage());
            assertTrue(e.getMessage().endsWith(" iscsi://127.0.0.1:" + portal.getLocalPort() + "/" + IQN
                    + "/1 failed (exit 1): not run: iscsi-inq (RecordingRunner)"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
    }
}
