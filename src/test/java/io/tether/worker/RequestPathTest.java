package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.connector.ActiveConnections;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import io.tether.store.OutboxEvent;
import io.tether.store.Store;
import io.tether.testing.TestWorker;
import io.tether.uri.ConnectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request path without a broker: messages in, replies out, against a real H2 store in a temp
 * dir. Contract: a request the store recorded as handled is answered from the request log and
 * never runs twice, whether it had a reply or was a notification, across a reopened store; copies
 * of one request in one batch run once; each call of a message gets exactly its own outcome; the
 * connections whose desired state changed reach the reconciler only after the commit.
 */
class RequestPathTest {
    @TempDir
    static Path keyDir;
    static SealingKey sealingKey;
    @TempDir
    Path tmp;
    Store store;
    StorageService service;
    RequestPath path;
    final List<ConnectionKey> reconciled = new ArrayList<>();
    Path storage;

    @BeforeAll
    static void makeKey() throws Exception {
        sealingKey = SealingKey.open(keyDir.resolve("sealing-key.jwk"));
    }

    @BeforeEach
    void open() throws Exception {
        storage = Files.createDirectories(tmp.resolve("storage"));
        openStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void openStore() throws Exception {
        store = Store.open(tmp.resolve("db"));
        service = new StorageService("path", store, Clock.systemUTC(),
                ActiveConnections.ofHost(tmp.resolve("no-mounts")), () -> { });
        service.load();
        RequestCodec codec = new RequestCodec(MountPolicy.defaults(), TestWorker.FILE_ROOTS, sealingKey);
        path = new RequestPath(codec, service, store, reconciled::add);
    }

    private String manage(Object id, String cid) {
        return call(id, "manageStorageServer", "{\"connectionId\":\"" + cid + "\",\"uri\":\"file://" + storage + "\"}");
    }

    private static String unmanage(Object id, String cid) {
        return call(id, "unmanageStorageServer", "{\"connectionId\":\"" + cid + "\"}");
    }

    private static String list(Object id) {
        return call(id, "getStorageServerList", "{}");
    }

    /** A call; {@code id} null makes it a notification. */
    private static String call(Object id, String method, String params) {
        String idMember = id == null ? "" : "\"id\":" + (id instanceof String ? "\"" + id + "\"" : id) + ",";
        return "{\"jsonrpc\":\"2.0\"," + idMember + "\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private Reply send(String body, String identity) {
        return path.handle(List.of(new Incoming.Readable(body, Optional.of(identity)))).get(0);
    }

    private static JsonNode json(Reply reply) throws Exception {
        assertTrue(reply instanceof Reply.Send, "a reply is due: " + reply);
        return JsonRpc.MAPPER.readTree(((Reply.Send) reply).json());
    }

    private JsonNode managedCids() throws Exception {
        return json(send(list(99), "list-" + System.nanoTime())).get("result").get("connections");
    }

    @Test
    void aRedeliveredRequestGetsItsFirstReplyAndDoesNotRunAgain() throws Exception {
        send(manage(1, "r-1"), "msg:1");
        Reply first = send(unmanage(2, "r-1"), "msg:2");
        assertEquals("r-1", json(first).get("result").get("unmanaged").get(0).asText());
        // The same call as a new message runs, and finds nothing to unmanage.
        assertEquals("CID_NOT_FOUND", json(send(unmanage(2, "r-1"), "msg:3")).get("error").get("data").get("name").asText());
        assertEquals(first, send(unmanage(2, "r-1"), "msg:2"));

        store.close();
        openStore();
        assertEquals(first, send(unmanage(2, "r-1"), "msg:2"), "the log survives reopening the store");
        assertTrue(json(send(manage(1, "r-1"), "msg:1")).get("result").get("alreadyManaged").isBoolean());
        int managed = 0;
        for (JsonNode entry : managedCids()) {
            managed += entry.get("managed").asBoolean() ? 1 : 0;
        }
        // (r-1's connection is listed unheld: the reopened store still has it to disconnect.)
        assertEquals(0, managed, "the redelivered manage did not run again");
    }

    @Test
    void aRedeliveredNotificationDoesNotRunAgain() throws Exception {
        send(manage(1, "n-1"), "msg:1");
        assertEquals(Reply.NONE, send(unmanage(null, "n-1"), "msg:2"));
        send(manage(3, "n-1"), "msg:3");
        // The broker hands the unmanage notification out again (the worker crashed before its
        // acknowledgement): it was handled, so it must not remove the CID managed since.
        assertEquals(Reply.NONE, send(unmanage(null, "n-1"), "msg:2"));
        assertTrue(managedCids().has("n-1"), "the CID managed again is still managed");

        store.close();
        openStore();
        assertEquals(Reply.NONE, send(unmanage(null, "n-1"), "msg:2"));
        assertTrue(managedCids().has("n-1"));
    }

    @Test
    void copiesOfOneRequestInOneBatchRunOnce() throws Exception {
        send(manage(1, "c-1"), "msg:1");
        String body = unmanage(7, "c-1");
        List<Reply> replies = path.handle(List.of(
                new Incoming.Readable(body, Optional.of("corr:a")),
                new Incoming.Readable(body, Optional.of("corr:a"))));
        assertEquals(replies.get(0), replies.get(1));
        assertEquals("c-1", json(replies.get(0)).get("result").get("unmanaged").get(0).asText());
    }

    /** The list budget is made for requests of which any lists, wherever the list comes among them. */
    @Test
    void aListArrivingAfterManagesInOneBatchListsThem() throws Exception {
        List<Reply> replies = path.handle(List.of(
                new Incoming.Readable(manage(1, "l-1"), Optional.of("msg:l1")),
                new Incoming.Readable(manage(2, "l-2"), Optional.of("msg:l2")),
                new Incoming.Readable(list(3), Optional.of("msg:l3"))));
        assertEquals(false, json(replies.get(1)).get("result").get("alreadyManaged").asBoolean());
        JsonNode listed = json(replies.get(2)).get("result").get("connections");
        assertTrue(listed.has("l-1") && listed.has("l-2"), "the list sees the manages before it: " + listed);
    }

    @Test
    void eachCallOfABatchGetsItsOwnOutcome() throws Exception {
        String batch = "[" + manage(1, "b-1") + "," + call(2, "noSuchMethod", "{}") + "," + unmanage(null, "b-9")
                + "," + call(3, "getSealingKey", "{}") + "," + manage(4, "b-1") + "," + list(5) + "]";
        JsonNode replies = json(send(batch, "msg:batch"));
        assertEquals(5, replies.size(), "the notification gets no response: " + replies);
        assertEquals(false, replies.get(0).get("result").get("alreadyManaged").asBoolean());
        assertEquals(-32601, replies.get(1).get("error").get("code").asInt());
        assertEquals("RSA", replies.get(2).get("result").get("jwk").get("kty").asText());
        assertEquals(true, replies.get(3).get("result").get("alreadyManaged").asBoolean());
        assertTrue(replies.get(4).get("result").get("connections").has("b-1"));
        assertEquals(List.of(new ConnectionKey("file://" + storage)), reconciled,
                "the new connection is reconciled once, after the commit");
    }

    @Test
    void aMessageThatIsNotJsonIsAnsweredWithIdNull() throws Exception {
        JsonNode reply = json(send("{not json", "msg:bad"));
        assertEquals(-32700, reply.get("error").get("code").asInt());
        assertTrue(reply.get("id").isNull());
        assertTrue(reconciled.isEmpty());
    }

    @Test
    void theBodyLimitCountsBytesNotCharacters() throws Exception {
        // 600,000 two-byte characters: 1.2 MB of UTF-8 in a body of fewer than 2^20 characters.
        String body = call(1, "getStorageServerList", "{\"connectionIdPrefix\":\"" + "\u00e9".repeat(600_000) + "\"}");
        assertTrue(body.length() < JsonRpc.MAX_BODY_BYTES);
        JsonNode reply = json(send(body, "msg:big"));
        assertEquals(-32600, reply.get("error").get("code").asInt());
        assertEquals("message body is larger than 1048576 bytes of UTF-8", reply.get("error").get("message").asText());
    }

    /**
     * However many lists arrive together, the list text of their replies stays within one
     * budget (so the heap they hold is bounded), each reply fits a message, and each list, followed
     * by its next, still reads every CID exactly once.
     */
    @Test
    void listsArrivingTogetherShareOneBudgetAndEachFollowsItsNextToTheEnd() throws Exception {
        String padding = "p".repeat(200);
        List<String> manages = new ArrayList<>();
        for (int i = 0; i < 900; i++) {
            manages.add(manage(i, String.format("big-%04d-", i) + padding));
        }
        send("[" + String.join(",", manages) + "]", "msg:manages");

        List<Incoming> lists = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lists.add(new Incoming.Readable(list(i), Optional.of("msg:list-" + i)));
        }
        List<Reply> replies = path.handle(lists);
        long total = 0;
        for (int i = 0; i < replies.size(); i++) {
            String text = ((Reply.Send) replies.get(i)).json();
            total += text.length();
            assertTrue(text.length() < 1_114_112, "a reply fits a message");
            // Each list goes on from where its page ended, alone, until its next is null.
            TreeSet<String> seen = new TreeSet<>();
            JsonNode page = JsonRpc.MAPPER.readTree(text).get("result");
            for (int pages = 0; ; pages++) {
                page.get("connections").fieldNames().forEachRemaining(cid -> assertTrue(seen.add(cid), "once: " + cid));
                if (page.get("next").isNull()) {
                    break;
                }
                assertTrue(pages < 100, "a list ends");
                page = json(send(call(1, "getStorageServerList", "{\"after\":\"" + page.get("next").asText() + "\"}"),
                        "msg:next-" + i + "-" + pages)).get("result");
            }
            assertEquals(900, seen.size(), "list " + i + " read every CID");
        }
        assertTrue(total < ListBudget.BYTES + 40 * 200,
                "40 lists of a ~300 KB host arrived together: " + total + " bytes of replies in hand");
        assertTrue(JsonRpc.MAPPER.readTree(((Reply.Send) replies.get(39)).json()).at("/result/connections").isEmpty(),
                "the last lists got empty pages, with a next to go on from");
    }

    @Test
    void eventsOfOneTransactionEachCountTheCidsAfterTheirOwnChange() throws Exception {
        send("[" + manage(1, "e-1") + "," + unmanage(2, "e-1") + "," + manage(3, "e-1") + "," + manage(4, "e-2")
                + "," + unmanage(5, "e-1") + "]", "msg:events");
        List<String> seen = new ArrayList<>();
        for (OutboxEvent e : store.pendingEvents(0, 100)) {
            JsonNode params = JsonRpc.MAPPER.readTree(e.body()).get("params");
            seen.add(params.get("change").asText() + " " + params.get("changedIds") + " " + params.get("connectionIdCount"));
        }
        assertEquals(List.of(
                "MANAGED [\"e-1\"] 1",
                "UNMANAGED [\"e-1\"] 0",
                "MANAGED [\"e-1\",\"e-2\"] 2",
                "UNMANAGED [\"e-1\"] 1"), seen);
    }
}
