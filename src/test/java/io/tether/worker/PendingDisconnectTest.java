package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.connection.Observation;
import io.tether.sealing.SealingKey;
import io.tether.uri.ConnectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unmanage of a connection's last CID is answered "disconnecting": that promise outlives the
 * worker. Here the worker "crashes" after the reply and before the disconnect (the store is closed
 * with nothing more recorded, as kill -9 leaves it; the real store in a temp dir), and the worker
 * started again on it must disconnect the connection: it loads it as a connection no CID holds,
 * for the reconciler. Contract: pending until the disconnect is recorded; not pending once a CID
 * wants the connection again.
 */
class PendingDisconnectTest {
    @TempDir
    static Path keyDir;
    static SealingKey sealingKey;
    @TempDir
    Path tmp;
    WorkerState worker;
    String key;

    @BeforeAll
    static void makeKey() throws Exception {
        sealingKey = SealingKey.open(keyDir.resolve("sealing-key.jwk"));
    }

    @BeforeEach
    void open() throws Exception {
        key = "file://" + Files.createDirectories(tmp.resolve("storage"));
        worker = new WorkerState(tmp, sealingKey);
    }

    @AfterEach
    void close() {
        worker.close();
    }

    private Set<ConnectionKey> start() throws Exception {
        return worker.start();
    }

    private JsonNode send(String method, String params) throws Exception {
        return worker.call(method, params);
    }

    private List<String> unheldKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        send("getStorageServerList", "{}").at("/result/connections").forEach(entry -> {
            if (!entry.get("managed").asBoolean()) {
                keys.add(entry.get("connectionKey").asText());
            }
        });
        return keys;
    }

    @Test
    void aDisconnectAnsweredBeforeACrashIsDoneAfterTheRestart() throws Exception {
        start();
        send("manageStorageServer", "{\"connectionId\":\"d-1\",\"uri\":\"" + key + "\"}");
        JsonNode unmanaged = send("unmanageStorageServer", "{\"connectionId\":\"d-1\"}");
        assertEquals("[\"" + key + "\"]", unmanaged.at("/result/disconnecting").toString());

        Set<ConnectionKey> keys = start();
        assertEquals(Set.of(new ConnectionKey(key)), keys, "handed to the reconciler");
        assertEquals(List.of(key), unheldKeys(), "listed as no CID's, being disconnected");

        assertTrue(worker.service.observe(new ConnectionKey(key), Observation.released()));
        assertEquals(List.of(), unheldKeys());
        assertEquals(Set.of(), start(), "disconnected: nothing is pending any more");
        assertEquals(List.of(), unheldKeys());
    }

    /**
     * One batch: unmanage the read-write CID, manage a read-only one of the same export. The mount
     * is read-write until its disconnect is done, so the list must not say "ro" before then: the
     * manage is refused (OPTIONS_CONFLICT), and succeeds once the disconnect is recorded.
     */
    @Test
    void otherSettingsWaitUntilTheConnectionBeingDisconnectedIsGone() throws Exception {
        start();
        String rw = "nfs://127.0.0.1:1/x";
        send("manageStorageServer", "{\"connectionId\":\"rw-1\",\"uri\":\"" + rw + "\"}");
        JsonNode batch = worker.send("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unmanageStorageServer\",\"params\":{\"connectionId\":\"rw-1\"}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"ro-1\",\"uri\":\"" + rw
                + "?options=ro\"}}]").get(0);
        assertTrue(batch.get(0).has("result"), batch.toString());
        assertEquals("OPTIONS_CONFLICT", batch.get(1).at("/error/data/name").asText(), batch.toString());
        assertTrue(batch.get(1).at("/error/message").asText().contains("still being disconnected"), batch.toString());
        JsonNode list = send("getStorageServerList", "{}").at("/result/connections");
        assertFalse(list.has("ro-1"));
        assertEquals(rw, list.at("/unmanaged-1/connectionKey").asText(), list.toString());
        assertTrue(list.at("/unmanaged-1/connectionInfo/options").isMissingNode(), "what is mounted: no ro; " + list);

        assertTrue(worker.service.observe(new ConnectionKey(rw), Observation.released()));
        JsonNode managed = send("manageStorageServer", "{\"connectionId\":\"ro-1\",\"uri\":\"" + rw + "?options=ro\"}");
        assertTrue(managed.has("result"), managed.toString());
        assertEquals("[\"ro\"]", send("getStorageServerList", "{}").at("/result/connections/ro-1/connectionInfo/options").toString());
    }

    /** With its credentials: the same URI managed again after the restart is the same settings. */
    @Test
    void aPendingDisconnectKeepsItsCredentialsSealed() throws Exception {
        start();
        String chap = "iscsi://user%25Hunter2@192.0.2.20/iqn.2003-01.org.example:d1";
        send("manageStorageServer", "{\"connectionId\":\"c-1\",\"uri\":\"" + chap + "\"}");
        send("unmanageStorageServer", "{\"connectionId\":\"c-1\"}");

        start();
        JsonNode again = send("manageStorageServer", "{\"connectionId\":\"c-2\",\"uri\":\"" + chap + "\"}");
        assertTrue(again.has("result"), again.toString());
        assertEquals(List.of(), unheldKeys(), "held again by c-2, with the settings it had");
        try (var files = Files.walk(tmp.resolve("db"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1).contains("Hunter2"),
                        "no password in clear in " + file);
            }
        }
    }

    @Test
    void aConnectionWantedAgainBeforeItsDisconnectIsNoLongerPending() throws Exception {
        start();
        send("manageStorageServer", "{\"connectionId\":\"d-1\",\"uri\":\"" + key + "\"}");
        send("unmanageStorageServer", "{\"connectionId\":\"d-1\"}");
        send("manageStorageServer", "{\"connectionId\":\"d-2\",\"uri\":\"" + key + "\"}");

        assertEquals(Set.of(new ConnectionKey(key)), start());
        assertEquals(List.of(), unheldKeys(), "held by d-2");
        send("unmanageStorageServer", "{\"connectionId\":\"d-2\"}");
        assertEquals(Set.of(new ConnectionKey(key)), start(), "pending again after its last CID went again");
        assertFalse(unheldKeys().isEmpty());
    }
}
