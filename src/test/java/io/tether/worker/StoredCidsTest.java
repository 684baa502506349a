package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.sealing.SealingKey;
import io.tether.store.OutboxEvent;
import io.tether.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored CIDs the current rules cannot serve, as an earlier version left them (rows written here
 * with SQL, as that version wrote them; UpgradeIT opens data dirs that earlier versions made).
 * Contract: no stored CID is dropped or hidden. A URI in an IPv4 spelling earlier versions took is
 * rewritten to the address the host's tools used; one the rules refuse otherwise, or one that is
 * now the same connection as an earlier CID with other settings, stays managed and stranded:
 * listed DISCONNECTED with an error that says what to do, unmanaged by its CID or a prefix, and
 * replaced by a manage of its CID. A request the store refuses fails no other request with it.
 */
class StoredCidsTest {
    @TempDir
    static Path keyDir;
    static SealingKey sealingKey;
    @TempDir
    Path tmp;
    WorkerState worker;
    Path storage;

    @BeforeAll
    static void makeKey() throws Exception {
        sealingKey = SealingKey.open(keyDir.resolve("sealing-key.jwk"));
    }

    @BeforeEach
    void makeSchema() throws Exception {
        storage = Files.createDirectories(tmp.resolve("storage"));
        Store.open(tmp.resolve("db")).close();
        worker = new WorkerState(tmp, sealingKey);
    }

    @AfterEach
    void close() {
        worker.close();
    }

    private void openStore() throws Exception {
        worker.start();
    }

    /** The database as the worker opens it: the same settings, so a connection beside the store's shares it. */
    private Connection database() throws Exception {
        return DriverManager.getConnection("jdbc:h2:file:" + tmp.resolve("db").toAbsolutePath().resolve("tether")
                + ";WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=65536;DB_CLOSE_ON_EXIT=FALSE", "tether", "");
    }

    /** A row as an earlier version wrote it: the URI as it was sent, the key it made of it. */
    private void storedEarlier(String cid, String key, String uri, Instant at) throws Exception {
        try (Connection db = database();
             PreparedStatement ps = db.prepareStatement(
                     "INSERT INTO managed_cid (cid, connection_key, uri, secret, managed_at) VALUES (?, ?, ?, NULL, ?)")) {
            ps.setString(1, cid);
            ps.setString(2, key);
            ps.setString(3, uri);
            ps.setTimestamp(4, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    private Map<String, String> storedKeys() throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        try (Connection db = database();
             ResultSet rs = db.createStatement().executeQuery("SELECT cid, connection_key FROM managed_cid ORDER BY cid")) {
            while (rs.next()) {
                keys.put(rs.getString(1), rs.getString(2));
            }
        }
        return keys;
    }

    private static String call(int id, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private String manage(int id, String cid, String uri) {
        return call(id, "manageStorageServer", "{\"connectionId\":\"" + cid + "\",\"uri\":\"" + uri + "\"}");
    }

    private List<JsonNode> send(String... bodies) throws Exception {
        return worker.send(bodies);
    }

    private JsonNode list() throws Exception {
        return worker.list();
    }

    @Test
    void aRowTheRulesRefuseStaysManagedListedAndIsUnmanagedByItsCid() throws Exception {
        storedEarlier("old-zone", "nfs://[fe80::1%lo]:1/x", "nfs://[fe80::1%25lo]:1/x", Instant.parse("2026-01-01T00:00:00Z"));
        openStore();

        JsonNode entry = list().get("old-zone");
        assertTrue(entry.get("managed").asBoolean(), entry.toString());
        assertEquals("DISCONNECTED", entry.get("state").asText());
        assertEquals("nfs://[fe80::1%lo]:1/x", entry.get("connectionKey").asText(), "the key it was stored with");
        assertEquals("nfs", entry.get("connectionInfo").get("type").asText());
        assertEquals("UNSUPPORTED_URI", entry.get("lastError").get("name").asText());
        assertEquals(4101, entry.get("lastError").get("code").asInt());
        String message = entry.get("lastError").get("message").asText();
        assertTrue(message.contains("zone id") && message.contains("Unmanage it, or manage it again"), message);

        long before = worker.store.lastSeq();
        JsonNode unmanaged = send(call(1, "unmanageStorageServer", "{\"connectionId\":\"old-zone\"}")).get(0).get("result");
        assertEquals("[\"old-zone\"]", unmanaged.get("unmanaged").toString());
        assertFalse(list().has("old-zone"));
        List<OutboxEvent> events = worker.store.pendingEvents(before, 10);
        assertEquals(1, events.size(), "one event: " + events);
        JsonNode event = JsonRpc.MAPPER.readTree(events.get(0).body()).get("params");
        assertEquals("UNMANAGED", event.get("change").asText());
        assertEquals("[\"old-zone\"]", event.get("changedIds").toString());
        assertEquals("nfs://[fe80::1%lo]:1/x", event.get("connectionKey").asText());

        openStore();
        assertFalse(list().has("old-zone"), "the unmanage was durable");
        assertEquals(Map.of(), storedKeys());
    }

    @Test
    void aManageOfAStrandedCidReplacesItAndFailsNoOtherRequest() throws Exception {
        storedEarlier("old-zone", "nfs://[fe80::1%lo]:1/x", "nfs://[fe80::1%25lo]:1/x", Instant.parse("2026-01-01T00:00:00Z"));
        openStore();

        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            bodies.add(manage(i, "other-" + i, "file://" + storage));
        }
        bodies.add(20, manage(100, "old-zone", "nfs://[2001:db8::1]:1/x"));
        List<JsonNode> replies = send(bodies.toArray(String[]::new));
        for (JsonNode reply : replies) {
            assertTrue(reply.has("result"), reply.toString());
            assertFalse(reply.get("result").get("alreadyManaged").asBoolean(), reply.toString());
        }
        JsonNode entry = list().get("old-zone");
        assertEquals("nfs://[2001:db8::1]:1/x", entry.get("connectionKey").asText());
        assertEquals(41, list().size());
        assertEquals("nfs://[2001:db8::1]:1/x", storedKeys().get("old-zone"), "the row is the new one");
    }

    @Test
    void oldIpv4SpellingsAreRewrittenAsTheAddressTheHostsToolsUsed() throws Exception {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        storedEarlier("short", "nfs://127.1:1/x", "nfs://127.1:1/x", at);
        storedEarlier("octal", "nfs://0177.0.0.1:1/x", "nfs://0177.0.0.1:1/x", at.plusSeconds(1));
        storedEarlier("hex", "nfs://0x7f.0.0.1:1/x", "nfs://0x7F.0.0.1:1/x", at.plusSeconds(2));
        storedEarlier("ten", "nfs://10.1.2:2049/e", "nfs://10.1.2/e", at.plusSeconds(3));
        openStore();

        JsonNode connections = list();
        for (String cid : List.of("short", "octal", "hex")) {
            assertEquals("nfs://127.0.0.1:1/x", connections.get(cid).get("connectionKey").asText(), cid);
            assertTrue(connections.get(cid).get("lastError").isNull() || !connections.get(cid).get("lastError").get("name")
                    .asText().equals("UNSUPPORTED_URI"), connections.get(cid).toString());
        }
        assertEquals("nfs://10.1.0.2/e", connections.get("ten").get("connectionKey").asText(), "a.b.c: c fills two bytes");
        assertEquals(Map.of("hex", "nfs://127.0.0.1:1/x", "octal", "nfs://127.0.0.1:1/x", "short", "nfs://127.0.0.1:1/x",
                "ten", "nfs://10.1.0.2/e"), storedKeys(), "rewritten in the database at load");
    }

    @Test
    void twoStoredSpellingsOfOneServerWithOtherSettingsAreNotMerged() throws Exception {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        storedEarlier("v6a", "nfs://[2001:db8::1]/export", "nfs://[2001:db8::1]/export?version=4.1&options=ro", at);
        storedEarlier("v6b", "nfs://[2001:0db8:0:0:0:0:0:1]/export", "nfs://[2001:0db8:0:0:0:0:0:1]/export?version=3",
                at.plusSeconds(1));
        openStore();

        JsonNode connections = list();
        JsonNode first = connections.get("v6a");
        assertEquals("nfs://[2001:db8::1]/export", first.get("connectionKey").asText());
        assertEquals("4.1", first.get("connectionInfo").get("version").asText(), "the earlier CID keeps its settings");
        assertEquals("[\"ro\"]", first.get("connectionInfo").get("options").toString());
        JsonNode second = connections.get("v6b");
        assertEquals("DISCONNECTED", second.get("state").asText());
        assertEquals("OPTIONS_CONFLICT", second.get("lastError").get("name").asText());
        assertTrue(second.get("lastError").get("message").asText().contains("\"v6a\""), second.toString());

        // Unmanaged beside the CID that holds its key: the event is that connection's, still up with v6a.
        long before = worker.store.lastSeq();
        send(call(2, "unmanageStorageServer", "{\"connectionId\":\"v6b\"}"));
        List<OutboxEvent> events = worker.store.pendingEvents(before, 10);
        assertEquals(1, events.size(), events.toString());
        JsonNode event = JsonRpc.MAPPER.readTree(events.get(0).body()).get("params");
        assertEquals("nfs://[2001:db8::1]/export", event.get("connectionKey").asText());
        assertEquals(1, event.get("connectionIdCount").asInt(), "the holder stays");
        assertEquals("[\"v6b\"]", event.get("changedIds").toString());
        assertEquals(first.get("state").asText(), event.get("state").asText());
        assertFalse(list().has("v6b"));

        // Unmanaged by a prefix, with the CIDs the prefix names that are served.
        JsonNode unmanaged = send(call(1, "unmanageStorageServer", "{\"connectionIdPrefix\":\"v6\"}")).get(0).get("result");
        assertEquals("[\"v6a\"]", unmanaged.get("unmanaged").toString());
        JsonNode after = list();
        assertFalse(after.has("v6a") || after.has("v6b"), after.toString());
    }

    @Test
    void aRequestTheStoreRefusesFailsNoOtherRequestOfItsBatch() throws Exception {
        openStore();
        // A row the service does not know of, as a hidden row once was: inserting its CID clashes.
        storedEarlier("behind", "file:///srv/x", "file:///srv/x", Instant.parse("2026-01-01T00:00:00Z"));

        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            bodies.add(manage(i, "ok-" + i, "file://" + storage));
        }
        bodies.add(7, manage(100, "behind", "file://" + storage));
        List<JsonNode> replies = send(bodies.toArray(String[]::new));
        int refused = 0;
        for (JsonNode reply : replies) {
            if (reply.get("id").asInt() == 100) {
                assertEquals("STORE_UNAVAILABLE", reply.get("error").get("data").get("name").asText(), reply.toString());
                refused++;
            } else {
                assertTrue(reply.has("result"), reply.toString());
            }
        }
        assertEquals(1, refused);
        assertEquals(40, list().size());
    }
}
