package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.testing.RawClient;
import io.tether.testing.Secrets;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets given in URIs never come back: not in replies, events, the log, or the database files,
 * and they still work after a restart (they are stored encrypted, not dropped).
 */
class CredentialRedactionIT {
    private static final String CHAP = Secrets.CHAP;
    private static final String MOUNT = Secrets.MOUNT;

    @TempDir
    Path tmp;

    @Test
    void secretsAppearNowhere() throws Exception {
        List<String> seen = new ArrayList<>();
        String iscsi = Secrets.ISCSI_URI;
        String posix = Secrets.CIFS_URI;
        try (TestWorker worker = new TestWorker("secrets", tmp.resolve("data"));
             RawClient client = new RawClient(worker.url(), "secrets")) {
            seen.add(client.manage("chap-1", iscsi).toString());
            seen.add(client.manage("cifs-1", posix).toString());
            // Errors about a secret-bearing URI must not echo it either.
            seen.add(client.manage("chap-1", iscsi.replace(CHAP, CHAP + "x")).toString());
            seen.add(client.manage("chap-2", iscsi.replace(CHAP, CHAP + "y")).toString());
            seen.add(client.manage("bad-1", "iscsi://u%" + CHAP + "@h/not-an-iqn").toString());
            seen.add(client.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":{\"uri\":\"" + iscsi + "\""));
            await().atMost(Duration.ofSeconds(10)).until(() -> client.events.size() >= 4);
            client.events.forEach(e -> seen.add(e.toString()));
            seen.add(client.list().toString());
            JsonNode info = client.list().at("/connections/cifs-1/connectionInfo");
            assertEquals("[\"username=bob\",\"password=***\"]", info.get("options").toString());
            assertEquals("chap", client.list().at("/connections/chap-1/connectionInfo/auth").asText());
            assertEquals("CID_IN_USE", JsonRead.name(seen.get(2)));
            assertEquals("OPTIONS_CONFLICT", JsonRead.name(seen.get(3)));

            worker.stop();
            Path key = worker.dataDir().resolve("db/credentials.key");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(worker.dataDir())));
            // The worker's database. (The broker's journal holds a request message, secret included,
            // until it is acknowledged: that is the client's message in transit, see docs/operations.md.)
            Secrets.assertInNoFile(worker.dataDir().resolve("db"), "chap-1", CHAP, MOUNT);
            worker.start();
            // Same URI with the same secret is recognised after the restart: the secret was kept, encrypted.
            try (RawClient again = new RawClient(worker.url(), "secrets")) {
                assertTrue(again.manage("chap-1", iscsi).at("/result/alreadyManaged").asBoolean());
                assertTrue(again.manage("cifs-1", posix).at("/result/alreadyManaged").asBoolean());
                assertEquals("CID_IN_USE", JsonRead.name(again.manage("chap-1", iscsi.replace(CHAP, "other")).toString()));
            }
        }
        for (String text : seen) {
            assertFalse(text.contains(CHAP) || text.contains(MOUNT), "secret in " + text);
        }
        String log = Files.readString(Path.of("target/test-logs/tether-tests.log"));
        assertTrue(log.contains("chap-1"), "the log file is the one the worker writes to");
        assertFalse(log.contains(CHAP) || log.contains(MOUNT), "secret in the log");
    }

    /** Reads error.data.name from a reply text. */
    static final class JsonRead {
        static String name(String reply) throws Exception {
            return io.tether.api.JsonRpc.MAPPER.readTree(reply).at("/error/data/name").asText();
        }
    }
}
