package io.tether.worker;

import static io.tether.testing.Secrets.assertInNoFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.JsonRpc;
import io.tether.api.Results;
import io.tether.api.Schemas;
import io.tether.broker.EmbeddedBroker;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import io.tether.sealing.Sealer;
import io.tether.sealing.SealingKey;
import io.tether.testing.RawClient;
import io.tether.testing.RecordingConnector;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets sealed end to end, through a real worker (embedded Artemis, H2) and the client library:
 * the CHAP password and the secret mount option reach the connector, yet are in none of the files
 * under the data dir (the broker's journal included) while the worker runs or after it stopped.
 * The clear {@code uri} still works, and a bad {@code sealedUri} is an Invalid Params that names it.
 */
class SealedSecretsEmbeddedIT {
    private static final String CHAP = "Chap-S3aled-" + System.nanoTime();
    private static final String MOUNT = "Mount-S3aled-" + System.nanoTime();
    private static final String ISCSI = "iscsi://chapuser%" + CHAP + "@target.example/iqn.2003-01.org.example:disk1/0?tpgt=1";
    private static final String CIFS = "posix://server.example/share?vfsType=cifs&options=username=bob,password=" + MOUNT;
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private final RecordingConnector iscsi = RecordingConnector.inMemory();
    private final RecordingConnector posix = RecordingConnector.inMemory();

    private TestWorker worker(String host) throws Exception {
        return new TestWorker(host, tmp.resolve(host),
                c -> c.withConnector(StorageType.ISCSI, iscsi).withConnector(StorageType.POSIX, posix));
    }

    /** A client that outlives a restart of the worker and its embedded broker. */
    private static TetherClient client(TestWorker worker) throws Exception {
        return TetherClient.connect("failover:(" + worker.plainUrl() + ")?failover.maxReconnectAttempts=-1&failover.maxReconnectDelay=500",
                BrokerCredentials.fromFile(worker.dataDir().resolve(EmbeddedBroker.ENGINE_LOGIN)));
    }

    @Test
    void sealedSecretsReachTheConnectorAndNoFileOfTheBroker() throws Exception {
        try (TestWorker worker = worker("sealed");
             TetherClient client = client(worker)) {
            Results.Managed chap = client.manage("sealed", "sealed-chap-1", ISCSI, T);
            Results.Managed cifs = client.manage("sealed", "sealed-cifs-1", CIFS, T);
            assertFalse(chap.alreadyManaged());
            assertEquals("iscsi://target.example/iqn.2003-01.org.example:disk1", chap.connectionKey());
            assertEquals("posix://server.example/share", cifs.connectionKey());

            // The worker got the secrets: the connectors were handed the URIs with them.
            StorageUri chapUri = iscsi.connectedUri(chap.connectionKey(), T);
            assertEquals("chapuser", chapUri.username());
            assertEquals(CHAP, chapUri.password());
            assertTrue(posix.connectedUri(cifs.connectionKey(), T).options().contains("password=" + MOUNT));

            // A second sealing of the same URI (other ciphertext) is the same secret: an idempotent repeat.
            assertTrue(client.manage("sealed", "sealed-chap-1", ISCSI, T).alreadyManaged());
            assertTrue(client.manage("sealed", "sealed-cifs-1", CIFS, T).alreadyManaged());

            Path broker = worker.dataDir().resolve("broker");
            assertInNoFile(broker, "sealed-chap-1", CHAP, MOUNT);
            String keyId = worker.worker().sealingKey().keyId();
            worker.stop();
            assertInNoFile(worker.dataDir(), "sealed-chap-1", CHAP, MOUNT);
            worker.start();
            // The key survived the restart: the URIs sealed for it still open.
            assertEquals(keyId, worker.worker().sealingKey().keyId());
            assertTrue(client.manage("sealed", "sealed-chap-1", ISCSI, T).alreadyManaged());
        }
        String log = Files.readString(Path.of("target/test-logs/tether-tests.log"));
        assertTrue(log.contains("sealed-chap-1"), "the log file is the one the worker writes to");
        assertFalse(log.contains(CHAP) || log.contains(MOUNT), "secret in the log");
    }

    @Test
    void getSealingKeyTheClearUriAndBadSealedUris() throws Exception {
        try (TestWorker worker = worker("keys");
             TetherClient client = TetherClient.connect(worker.url(), null, null);
             RawClient raw = new RawClient(worker.url(), "keys")) {
            SealingKey key = worker.worker().sealingKey();

            // getSealingKey: params {} or none; the result is the schema's; nothing else is taken.
            JsonNode result = client.call("keys", "getSealingKey", Map.of(), T);
            assertTrue(Schemas.problems("getSealingKey.response", result).isEmpty(),
                    Schemas.problems("getSealingKey.response", result).toString());
            assertEquals(key.keyId(), result.at("/jwk/kid").asText());
            assertEquals(key.keyId(), raw.call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSealingKey\"}").at("/result/jwk/kid").asText());
            assertEquals("field", invalid(raw.call("getSealingKey", "{\"field\":1}")).get("field").asText());
            assertEquals(key.keyId(), client.sealingKey("keys", T).keyId());
            assertEquals(JsonRpc.MAPPER.readTree(Files.readString(worker.worker().publicKeyFile())), result.get("jwk"),
                    "the public copy in the data dir is the key handed out");

            // The weaker path still works: a clear uri with a secret, from a client that does not seal.
            String clearUri = ISCSI.replace(":disk1", ":disk2");
            JsonNode clear = raw.manage("clear-1", clearUri);
            assertFalse(clear.at("/result/alreadyManaged").asBoolean(), clear.toString());
            assertEquals(CHAP, iscsi.connectedUri("iscsi://target.example/iqn.2003-01.org.example:disk2", T).password());
            // Sealed or clear, the worker sees one URI: the sealed repeat is recognised.
            assertTrue(client.manage("keys", "clear-1", clearUri, T).alreadyManaged());

            // Bad sealed URIs: -32602 naming sealedUri, with the host's key id, never the plaintext.
            Sealer stranger = Sealer.fromJwk(SealingKey.open(tmp.resolve("stranger.jwk")).publicJwk());
            String sealed = Sealer.fromJwk(key.publicJwk()).seal(ISCSI);
            String tampered = sealed.substring(0, sealed.length() - 30) + (sealed.charAt(sealed.length() - 30) == 'A' ? 'B' : 'A')
                    + sealed.substring(sealed.length() - 29);
            for (String[] c : new String[][] {
                {"not-a-jwe", "is not a JWE"},
                {stranger.seal(ISCSI), key.keyId()},
                {tampered, "does not decrypt"},
                {Sealer.fromJwk(key.publicJwk()).seal(""), "1-4096"}}) {
                JsonNode reply = raw.call("manageStorageServer",
                        JsonRpc.MAPPER.createObjectNode().put("connectionId", "bad-1").put("sealedUri", c[0]).toString());
                JsonNode data = invalid(reply);
                assertEquals("sealedUri", data.get("field").asText(), reply.toString());
                assertEquals(key.keyId(), data.get("keyId").asText(), reply.toString());
                assertTrue(reply.at("/error/message").asText().contains(c[1]), reply.toString());
                assertFalse(reply.toString().contains(CHAP), reply.toString());
            }
            // The sealed plaintext goes through the same parsing as a clear uri.
            JsonNode unsupported = raw.call("manageStorageServer", JsonRpc.MAPPER.createObjectNode().put("connectionId", "bad-2")
                    .put("sealedUri", Sealer.fromJwk(key.publicJwk()).seal("iscsi://u%" + CHAP + "@h/not-an-iqn")).toString());
            assertEquals("UNSUPPORTED_URI", unsupported.at("/error/data/name").asText(), unsupported.toString());
            assertFalse(unsupported.toString().contains(CHAP));
            assertEquals(raw.manage("bad-3", "iscsi://u%" + CHAP + "@h/not-an-iqn").get("error").get("message"),
                    unsupported.at("/error/message"), "the same error as for the clear uri");
            // Exactly one of uri and sealedUri.
            assertEquals("uri", invalid(raw.call("manageStorageServer", "{\"connectionId\":\"a\"}")).get("field").asText());
            JsonNode both = invalid(raw.call("manageStorageServer",
                    "{\"connectionId\":\"a\",\"uri\":\"file:///tmp\",\"sealedUri\":\"" + sealed + "\"}"));
            assertEquals("sealedUri", both.get("field").asText());
            assertEquals("give exactly one of uri or sealedUri", both.get("reason").asText());

            // The client library seals a URI that does not parse too, and gets the worker's error.
            RpcException typo = assertThrows(RpcException.class,
                    () -> client.manage("keys", "typo-1", ISCSI + "&tgpt=1", T));
            assertEquals("UNSUPPORTED_URI", typo.name());
            assertFalse(typo.getMessage().contains(CHAP));
        }
    }

    @Test
    void aClientWhoseCachedKeyIsStaleFetchesTheNewOneAndRetriesOnce() throws Exception {
        try (TestWorker worker = worker("rekey");
             TetherClient client = client(worker)) {
            assertFalse(client.manage("rekey", "rekey-1", ISCSI, T).alreadyManaged());
            String before = worker.worker().sealingKey().keyId();
            // The host gets a new key (its key file was replaced, as after a reinstall).
            worker.stop();
            Files.delete(worker.dataDir().resolve(Worker.SEALING_KEY_FILE));
            worker.start();
            assertNotEquals(before, worker.worker().sealingKey().keyId());
            assertTrue(client.manage("rekey", "rekey-1", ISCSI, T).alreadyManaged(), "sealed again for the new key");
            assertEquals(worker.worker().sealingKey().keyId(), client.sealingKey("rekey", T).keyId());
        }
    }

    /** The error data of an Invalid Params reply, checked against the error schema. */
    private static JsonNode invalid(JsonNode reply) {
        assertEquals(-32602, reply.at("/error/code").asInt(), reply.toString());
        assertTrue(Schemas.problems("error.response", reply).isEmpty(), Schemas.problems("error.response", reply).toString());
        return reply.at("/error/data");
    }
}
