package io.tether.worker;

import static io.tether.testing.Secrets.assertInNoFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.Results;
import io.tether.client.TetherClient;
import io.tether.testing.RecordingConnector;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import io.tether.uri.StorageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed secrets on a standalone Artemis (a separate process, set up from broker-config/), whose
 * journal keeps a message's bytes after it is acknowledged until the file is reused: an engine
 * manages an iSCSI URI with a CHAP password and a CIFS URI with a password option, the worker gets
 * both secrets, and no file of the broker holds either, right after the replies, after the worker
 * stopped, and after the broker stopped.
 */
class SealedSecretsIT {
    private static final String CHAP = "Chap-S3aled-IT-" + System.nanoTime();
    private static final String MOUNT = "Mount-S3aled-IT-" + System.nanoTime();
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void noBrokerFileEverHoldsASealedSecret() throws Exception {
        RecordingConnector iscsi = RecordingConnector.inMemory();
        RecordingConnector posix = RecordingConnector.inMemory();
        String iscsiUri = "iscsi://chapuser%" + CHAP + "@target.example/iqn.2003-01.org.example:disk1/0";
        String cifsUri = "posix://server.example/share?vfsType=cifs&options=username=bob,password=" + MOUNT;
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")), "h1");
             TestWorker h1 = new TestWorker(WorkerConfig.external("h1", tmp.resolve("h1"), broker.url())
                     .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials("host-h1", broker.hostLogin("h1").password())
                     .withConnector(StorageType.ISCSI, iscsi).withConnector(StorageType.POSIX, posix));
             TetherClient engine = TetherClient.connect(broker.url(), "engine", broker.engineLogin().password())) {
            Results.Managed chap = engine.manage("h1", "it-chap-1", iscsiUri, T);
            Results.Managed cifs = engine.manage("h1", "it-cifs-1", cifsUri, T);
            assertFalse(chap.alreadyManaged());
            assertFalse(cifs.alreadyManaged());
            assertInNoFile(broker.instance(), "it-chap-1", CHAP, MOUNT);

            assertEquals(CHAP, iscsi.connectedUri(chap.connectionKey(), T).password());
            assertTrue(posix.connectedUri(cifs.connectionKey(), T).options().contains("password=" + MOUNT));
            assertTrue(engine.manage("h1", "it-chap-1", iscsiUri, T).alreadyManaged(), "the same secret, recognised");
            assertTrue(engine.manage("h1", "it-cifs-1", cifsUri, T).alreadyManaged());

            h1.stop();
            assertInNoFile(broker.instance(), "it-chap-1", CHAP, MOUNT);
            assertInNoFile(h1.dataDir(), "it-chap-1", CHAP, MOUNT);
            broker.stop();
            assertInNoFile(broker.instance(), "it-chap-1", CHAP, MOUNT);
        }
    }
}
