package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.api.Schemas;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wire contract against one real worker: embedded Artemis over AMQP, H2 on disk, Qpid JMS client. */
class WorkerProtocolIT {
    @TempDir
    static Path tmp;
    static TestWorker worker;
    static RawClient client;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeAll
    static void start() throws Exception {
        worker = new TestWorker("proto", tmp.resolve("data"));
        client = new RawClient(worker.url(), "proto");
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        worker.close();
    }

    private static Path dir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve("storage").resolve(name));
    }

    private static void assertError(JsonNode reply, int code, String name) {
        assertNotNull(reply.get("error"), reply.toString());
        assertEquals(code, reply.at("/error/code").asInt(), reply.toString());
        assertEquals(name, reply.at("/error/data/name").asText(), reply.toString());
        assertFalse(reply.at("/error/message").asText().isBlank());
        assertTrue(Schemas.problems("error.response", reply).isEmpty(), Schemas.problems("error.response", reply).toString());
    }

    @Test
    void manageReturnsTheKeyAndTheConnectionComesUpByItself() throws Exception {
        Path data = dir("manage");
        JsonNode reply = client.manage("m-1", "file://" + data + "/");
        JsonNode result = reply.get("result");
        assertEquals(1, reply.get("id").asInt());
        assertEquals("m-1", result.get("connectionId").asText());
        assertEquals("file://" + data, result.get("connectionKey").asText());
        assertFalse(result.get("alreadyManaged").asBoolean());
        assertTrue(Schemas.problems("manageStorageServer.response", result).isEmpty());

        JsonNode managed = client.awaitEvent("file://" + data, "MANAGED", "CONNECTING", 0, WAIT);
        JsonNode connected = client.awaitEvent("file://" + data, "STATE", "CONNECTED", 0, WAIT);
        assertEquals(managed.get("seq").asLong() + 1, connected.get("seq").asLong());
        assertEquals(1, connected.get("connectionIdCount").asInt());
        assertEquals("[\"m-1\"]", managed.get("changedIds").toString());
        assertTrue(connected.get("connected").asBoolean());
        assertTrue(connected.get("lastError").isNull());
        assertEquals("proto", connected.get("hostId").asText());
        for (JsonNode e : List.of(managed, connected)) {
            JsonNode note = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0")
                    .put("method", "storageServerStatusChanged").set("params", e);
            assertTrue(Schemas.problems("storageServerStatusChanged.event", note).isEmpty(),
                    Schemas.problems("storageServerStatusChanged.event", note).toString());
        }

        JsonNode entry = client.list().at("/connections/m-1");
        assertEquals("CONNECTED", entry.get("state").asText());
        assertTrue(entry.get("managed").asBoolean());
        assertEquals(data.toString(), entry.at("/connectionInfo/path").asText());
    }

    @Test
    void sameCidSameUriIsIdempotentAndSendsNoEvent() throws Exception {
        Path data = dir("idem");
        client.manage("idem-1", "file://" + data);
        client.awaitEvent("file://" + data, "STATE", "CONNECTED", 0, WAIT);
        int before = client.eventsFor("file://" + data).size();
        JsonNode again = client.manage("idem-1", "file://" + data + "//");
        assertTrue(again.at("/result/alreadyManaged").asBoolean());
        // A later request's events arrive after any the repeat could have caused.
        Path other = dir("idem-marker");
        client.manage("idem-marker", "file://" + other);
        client.awaitEvent("file://" + other, "MANAGED", "CONNECTING", 0, WAIT);
        assertEquals(before, client.eventsFor("file://" + data).size());
    }

    @Test
    void sameCidOtherUriIsCidInUse() throws Exception {
        client.manage("inuse-1", "file://" + dir("inuse-a"));
        assertError(client.manage("inuse-1", "file://" + dir("inuse-b")), 478, "CID_IN_USE");
    }

    @Test
    void sameKeyOtherOptionsIsOptionsConflict() throws Exception {
        assertNotNull(client.manage("opt-1", "nfs://nfs.example/export?version=3").get("result"));
        JsonNode conflict = client.manage("opt-2", "nfs://NFS.example:2049/export/?version=4.1");
        assertError(conflict, 4100, "OPTIONS_CONFLICT");
        assertEquals("nfs://nfs.example/export", conflict.at("/error/data/connectionKey").asText());
        // Same options: shares the connection.
        assertEquals("nfs://nfs.example/export",
                client.manage("opt-3", "nfs://nfs.example/export?version=3").at("/result/connectionKey").asText());
    }

    @Test
    void anUnreachableServerIsDisconnectedWithAReason() throws Exception {
        client.manage("nfs-1", "nfs://filer.invalid/vol1");
        JsonNode down = client.awaitEvent("nfs://filer.invalid/vol1", "STATE", "DISCONNECTED", 0, WAIT);
        assertEquals(451, down.at("/lastError/code").asInt());
        assertTrue(down.at("/lastError/message").asText().contains("unreachable"), down.toString());
        JsonNode entry = client.list().at("/connections/nfs-1");
        assertEquals("DISCONNECTED", entry.get("state").asText());
        assertFalse(entry.get("connected").asBoolean());
        assertEquals("StorageServerConnectionError", entry.at("/lastError/name").asText());
    }

    @Test
    void missingDirectoryIsDisconnectedWithVdsmValidationError() throws Exception {
        String uri = "file://" + tmp.resolve("does-not-exist");
        client.manage("missing-1", uri);
        JsonNode down = client.awaitEvent(uri, "STATE", "DISCONNECTED", 0, WAIT);
        assertEquals(453, down.at("/lastError/code").asInt());
        assertEquals("StorageServerValidationError", down.at("/lastError/name").asText());
        Path notDir = Files.writeString(tmp.resolve("plain-file"), "x");
        client.manage("missing-2", "file://" + notDir);
        assertEquals(453, client.awaitEvent("file://" + notDir, "STATE", "DISCONNECTED", 0, WAIT).at("/lastError/code").asInt());
    }

    @Test
    void unmanageUnknownCidIsCidNotFound() throws Exception {
        assertError(client.unmanage("never-managed"), 479, "CID_NOT_FOUND");
    }

    @Test
    void badUrisAreUnsupportedUri() throws Exception {
        for (String uri : List.of("smb://server/share", "nfs:/nohost", "iscsi://h/not-iqn", "posix://h/p")) {
            assertError(client.manage("bad-uri", uri), 4101, "UNSUPPORTED_URI");
        }
    }

    @Test
    void invalidParamsNameTheFieldAndReason() throws Exception {
        record Case(String params, String field) { }
        for (Case c : List.of(
                new Case("{\"connectionId\":\"a\"}", "uri"),
                new Case("{\"connectionId\":\"a/b\",\"uri\":\"file:///tmp\"}", "connectionId"),
                new Case("{\"connectionId\":\"" + "x".repeat(256) + "\",\"uri\":\"file:///tmp\"}", "connectionId"),
                new Case("{\"connectionId\":\"\",\"uri\":\"file:///tmp\"}", "connectionId"),
                new Case("{\"connectionId\":\"tab\\there\",\"uri\":\"file:///tmp\"}", "connectionId"),
                new Case("{\"connectionId\":5,\"uri\":\"file:///tmp\"}", "connectionId"),
                new Case("{\"connectionId\":\"a\",\"uri\":\"file:///tmp\",\"extra\":1}", "extra"))) {
            JsonNode reply = client.call("manageStorageServer", c.params);
            assertError(reply, -32602, "INVALID_PARAMS");
            assertEquals(c.field, reply.at("/error/data/field").asText(), reply.toString());
            assertFalse(reply.at("/error/data/reason").asText().isBlank());
        }
        assertError(client.call("unmanageStorageServer", "{\"connectionId\":\"a\",\"connectionIdPrefix\":\"b\"}"),
                -32602, "INVALID_PARAMS");
        assertError(client.call("unmanageStorageServer", "{}"), -32602, "INVALID_PARAMS");
        assertError(client.call("getStorageServerList", "[]"), -32602, "INVALID_PARAMS");
        // 255 characters is allowed.
        assertNotNull(client.manage("y".repeat(255), "file://" + dir("long")).get("result"));
    }

    @Test
    void getSealingKeyAnswersTheHostsPublicKeyAndChangesNothing() throws Exception {
        long seq = client.list().get("seq").asLong();
        JsonNode first = client.call("getSealingKey", "{}");
        JsonNode result = first.get("result");
        assertTrue(Schemas.problems("getSealingKey.response", result).isEmpty(),
                Schemas.problems("getSealingKey.response", result).toString());
        assertEquals(worker.worker().sealingKey().keyId(), result.at("/jwk/kid").asText());
        assertEquals(result, client.call("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"getSealingKey\"}").get("result"));
        assertError(client.call("getSealingKey", "{\"kid\":\"x\"}"), -32602, "INVALID_PARAMS");
        assertError(client.call("getSealingKey", "[]"), -32602, "INVALID_PARAMS");
        assertEquals(seq, client.list().get("seq").asLong(), "no change, no event");
    }

    @Test
    void unknownMethodIsMethodNotFound() throws Exception {
        JsonNode reply = client.call("connectStorageServer", "{}");
        assertError(reply, -32601, "METHOD_NOT_FOUND");
        assertTrue(reply.at("/error/message").asText().endsWith(
                "methods are manageStorageServer, unmanageStorageServer, getStorageServerList, getSealingKey"), reply.toString());
    }

    @Test
    void malformedEnvelopesAreInvalidRequestsAndKeepTheirId() throws Exception {
        JsonNode noVersion = client.call("{\"id\":7,\"method\":\"getStorageServerList\"}");
        assertError(noVersion, -32600, "INVALID_REQUEST");
        assertEquals(7, noVersion.get("id").asInt());
        assertError(client.call("{\"jsonrpc\":\"1.0\",\"id\":\"s\",\"method\":\"getStorageServerList\"}"), -32600, "INVALID_REQUEST");
        assertError(client.call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}"), -32600, "INVALID_REQUEST");
        JsonNode objectId = client.call("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"getStorageServerList\"}");
        assertError(objectId, -32600, "INVALID_REQUEST");
        assertTrue(objectId.get("id").isNull());
        JsonNode parse = client.call("{\"jsonrpc\":\"2.0\",");
        assertError(parse, -32700, "PARSE_ERROR");
        assertTrue(parse.get("id").isNull());
    }

    @Test
    void batchGetsOneArrayOfResponses() throws Exception {
        Path data = dir("batch");
        JsonNode replies = client.call("[" 
                + "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"batch-1\",\"uri\":\"file://" + data + "\"}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"batch-2\",\"uri\":\"file://" + data + "\"}},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"batch-3\",\"uri\":\"file://" + data + "\"}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"method\":\"nope\"},"
                + "42,"
                + "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"getStorageServerList\",\"params\":{\"connectionIdPrefix\":\"batch-\"}}"
                + "]");
        assertTrue(replies.isArray());
        assertEquals(5, replies.size(), replies.toString());
        Set<String> ids = new TreeSet<>();
        replies.forEach(r -> ids.add(r.get("id").isNull() ? "null" : r.get("id").asText()));
        assertEquals(Set.of("a", "b", "c", "d", "null"), ids);
        for (JsonNode r : replies) {
            switch (r.get("id").asText("null")) {
                case "a", "b" -> assertFalse(r.at("/result/alreadyManaged").asBoolean());
                case "c" -> assertError(r, -32601, "METHOD_NOT_FOUND");
                case "d" -> assertEquals(Set.of("batch-1", "batch-2", "batch-3"), RawClient.cids(r.get("result")));
                default -> assertError(r, -32600, "INVALID_REQUEST");
            }
        }
        assertError(client.call("[]"), -32600, "INVALID_REQUEST");
    }

    @Test
    void notificationsRunWithoutAReply() throws Exception {
        Path data = dir("notify");
        // Replies come in request order, so the first reply after these must be the list's.
        sendNoWait("{\"jsonrpc\":\"2.0\",\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"note-1\",\"uri\":\"file://" + data + "\"}}");
        sendNoWait("[{\"jsonrpc\":\"2.0\",\"method\":\"nope\"},{\"jsonrpc\":\"2.0\",\"method\":\"getStorageServerList\"}]");
        JsonNode list = client.call("{\"jsonrpc\":\"2.0\",\"id\":\"after\",\"method\":\"getStorageServerList\",\"params\":{\"connectionIdPrefix\":\"note-\"}}");
        assertEquals("after", list.get("id").asText());
        assertTrue(list.at("/result/connections/note-1/managed").asBoolean());
    }

    private static void sendNoWait(String body) throws Exception {
        TextMessage m = client.session().createTextMessage(body);
        client.sendRaw(m, false);
    }

    @Test
    void replyCorrelatesByCorrelationIdElseMessageId() throws Exception {
        TextMessage withCorrelation = client.session().createTextMessage(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStorageServerList\"}");
        withCorrelation.setJMSCorrelationID("my-corr-42");
        client.sendRaw(withCorrelation, false);
        assertNotNull(client.receive(RawClient.REPLY_DEADLINE_MILLIS));
        assertEquals("my-corr-42", client.lastReply.getJMSCorrelationID());

        TextMessage withoutCorrelation = client.session().createTextMessage(
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"getStorageServerList\"}");
        client.sendRaw(withoutCorrelation, false);
        assertNotNull(client.receive(RawClient.REPLY_DEADLINE_MILLIS));
        assertEquals(withoutCorrelation.getJMSMessageID(), client.lastReply.getJMSCorrelationID());
    }

    @Test
    void requestWithoutReplyToIsStillExecuted() throws Exception {
        Path data = dir("noreply");
        TextMessage m = client.session().createTextMessage("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\","
                + "\"params\":{\"connectionId\":\"noreply-1\",\"uri\":\"file://" + data + "\"}}");
        client.sendRaw(m, true);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.list().at("/connections/noreply-1").isObject());
    }

    @Test
    void unpairedSurrogatesAreRefusedSoTheyCannotPoisonTheList() throws Exception {
        // Found by FuzzIT: such a CID, once managed, made every later list reply undecodable.
        JsonNode reply = client.call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":"
                + "{\"connectionId\":\"a\\ud800\",\"uri\":\"file://" + dir("surrogate") + "\"}}");
        assertError(reply, -32700, "PARSE_ERROR");
        assertTrue(reply.at("/error/message").asText().contains("not valid Unicode"));
        assertNotNull(client.list(), "the list still answers");
    }

    @Test
    void bytesBodiesAreReadAsUtf8() throws Exception {
        String reply = client.sendBytes("{\"jsonrpc\":\"2.0\",\"id\":\"ü\",\"method\":\"getStorageServerList\"}");
        assertEquals("ü", JsonRpc.MAPPER.readTree(reply).get("id").asText());
        assertError(JsonRpc.MAPPER.readTree(client.sendBytes(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'})), -32700, "PARSE_ERROR");
    }

    @Test
    void unmanageByPrefixAndReferenceCounting() throws Exception {
        Path shared = dir("shared");
        String key = "file://" + shared;
        client.manage("flowA-1", key);
        client.manage("flowA-2", key + "/");
        client.manage("flowB-1", key);
        JsonNode first = client.call("unmanageStorageServer", "{\"connectionIdPrefix\":\"flowA-\"}").get("result");
        assertEquals("[\"flowA-1\",\"flowA-2\"]", first.get("unmanaged").toString());
        assertEquals("[]", first.get("disconnecting").toString(), "flowB-1 still holds the connection");
        assertTrue(Schemas.problems("unmanageStorageServer.response", first).isEmpty());
        JsonNode unmanagedEvent = client.awaitEvent(key, "UNMANAGED", "CONNECTED", 0, WAIT);
        assertEquals(1, unmanagedEvent.get("connectionIdCount").asInt(), "flowB-1 stays");
        assertEquals("[\"flowA-1\",\"flowA-2\"]", unmanagedEvent.get("changedIds").toString());

        JsonNode last = client.unmanage("flowB-1").get("result");
        assertEquals("[\"" + key + "\"]", last.get("disconnecting").toString());
        client.awaitEvent(key, "STATE", "DISCONNECTED", 0, WAIT);
        assertFalse(client.list().get("connections").toString().contains(key));
        JsonNode none = client.call("unmanageStorageServer", "{\"connectionIdPrefix\":\"nothing-matches-\"}").get("result");
        assertEquals("{\"unmanaged\":[],\"disconnecting\":[]}", none.toString());
    }

    @Test
    void changesMadeTogetherComeAsOneEventPerConnectionAndAListInBetweenSplitsThem() throws Exception {
        Path a = dir("burst-a");
        Path b = dir("burst-b");
        String m = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"manageStorageServer\",\"params\":"
                + "{\"connectionId\":\"%s\",\"uri\":\"file://%s\"}}";
        String list = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"getStorageServerList\"}";
        JsonNode replies = client.call("[" + String.format(m, 1, "burst-a1", a) + "," + String.format(m, 2, "burst-b1", b)
                + "," + String.format(m, 3, "burst-a2", a) + "," + list + "," + String.format(m, 4, "burst-a3", a) + "]");
        long listSeq = replies.get(3).at("/result/seq").asLong();

        List<JsonNode> managedA = await().atMost(Duration.ofSeconds(10)).until(
                () -> client.eventsFor("file://" + a).stream().filter(e -> e.get("change").asText().equals("MANAGED")).toList(),
                l -> l.size() == 2);
        assertEquals("[\"burst-a1\",\"burst-a2\"]", managedA.get(0).get("changedIds").toString(),
                "the two manages of A before the list are one event");
        assertEquals(2, managedA.get(0).get("connectionIdCount").asInt());
        assertTrue(managedA.get(0).get("seq").asLong() <= listSeq, "the list saw it");
        assertEquals("[\"burst-a3\"]", managedA.get(1).get("changedIds").toString(), "after the list, a new event");
        assertEquals(listSeq + 1, managedA.get(1).get("seq").asLong());
        assertEquals(3, managedA.get(1).get("connectionIdCount").asInt());
        JsonNode managedB = client.awaitEvent("file://" + b, "MANAGED", "CONNECTING", 0, WAIT);
        assertEquals("[\"burst-b1\"]", managedB.get("changedIds").toString());
        assertTrue(replies.get(3).at("/result/connections/burst-a2").isObject());
        assertFalse(replies.get(3).at("/result/connections").has("burst-a3"));
    }

    @Test
    void eventsHaveConsecutiveSeqsPropertiesAndTheListSeqMatches() throws Exception {
        Path data = dir("seq");
        client.manage("seq-1", "file://" + data);
        client.awaitEvent("file://" + data, "STATE", "CONNECTED", 0, WAIT);
        JsonNode list = client.list();
        long listSeq = list.get("seq").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.events.stream().anyMatch(e -> e.get("seq").asLong() == listSeq));
        List<Long> seqs = new ArrayList<>();
        client.events.forEach(e -> seqs.add(e.get("seq").asLong()));
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "seqs " + seqs);
        }
        assertTrue(Schemas.problems("getStorageServerList.response", list).isEmpty(),
                Schemas.problems("getStorageServerList.response", list).toString());
        Message last = client.eventMessages.get(client.eventMessages.size() - 1);
        JsonNode lastEvent = client.events.get(client.events.size() - 1);
        assertEquals("proto", last.getStringProperty("hostId"));
        assertEquals(lastEvent.get("state").asText(), last.getStringProperty("state"));
        assertEquals(lastEvent.get("change").asText(), last.getStringProperty("change"));
    }

    @Test
    void garbageIsAnsweredAndTheWorkerGoesOn() throws Exception {
        List<String> garbage = List.of("", " ", "null", "true", "42", "\"text\"", "{", "}", "[", "[1,2]", "{\"a\":1}",
                "{\"jsonrpc\":\"2.0\"}", "{\"jsonrpc\":\"2.0\",\"method\":null,\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"manageStorageServer\",\"id\":1,\"params\":\"x\"}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"manageStorageServer\",\"id\":1,\"id\":2}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getStorageServerList\",\"id\":1} trailing",
                "[".repeat(5000), "{\"x\":" + "[".repeat(100) + "]".repeat(100) + "}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"manageStorageServer\",\"id\":1,\"params\":{\"connectionId\":\"" + "z".repeat(100_000) + "\",\"uri\":\"file:///tmp\"}}",
                "\u0000\u0001\u0002", "{'single':'quotes'}", "NaN", "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":[1]}",
                "{\"jsonrpc\":2.0,\"method\":\"getStorageServerList\",\"id\":1}",
                // Over the 1 MiB a worker reads, under the broker's limit (a bigger one goes to DLQ: BrokerLimitsIT).
                "x".repeat((1 << 20) + 1));
        for (String body : garbage) {
            String reply = client.send(body);
            assertNotNull(reply, "no reply to garbage: " + body.substring(0, Math.min(60, body.length())));
            JsonNode error = JsonRpc.MAPPER.readTree(reply);
            if (error.isArray()) {
                error.forEach(e -> assertTrue(e.get("error").get("code").asInt() < 0));
            } else {
                assertTrue(error.at("/error/code").asInt() < 0, reply);
            }
        }
        // Bodies that are not text at all.
        client.sendRaw(client.session().createMapMessage(), false);
        assertError(JsonRpc.MAPPER.readTree(client.receive(RawClient.REPLY_DEADLINE_MILLIS)), -32700, "PARSE_ERROR");
        client.sendRaw(client.session().createObjectMessage(new java.util.ArrayList<String>()), false);
        assertError(JsonRpc.MAPPER.readTree(client.receive(RawClient.REPLY_DEADLINE_MILLIS)), -32700, "PARSE_ERROR");
        client.sendRaw(client.session().createMessage(), false);
        assertError(JsonRpc.MAPPER.readTree(client.receive(RawClient.REPLY_DEADLINE_MILLIS)), -32700, "PARSE_ERROR");

        Path data = dir("after-garbage");
        assertFalse(client.manage("after-garbage", "file://" + data).at("/result/alreadyManaged").asBoolean());
        client.awaitEvent("file://" + data, "STATE", "CONNECTED", 0, WAIT);
    }

    @Test
    void listWithPrefixShowsOnlyThoseCids() throws Exception {
        client.manage("pfx-a", "file://" + dir("pfx"));
        client.manage("other-a", "file://" + dir("pfx"));
        JsonNode list = client.call("getStorageServerList", "{\"connectionIdPrefix\":\"pfx-\"}").get("result");
        assertEquals(Set.of("pfx-a"), RawClient.cids(list));
    }
}
