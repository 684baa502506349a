package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.Heap;
import io.tether.testing.TestWorker;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.StreamMessage;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzing the request queue: at least 10,000 generated malformed and hostile messages (mutated valid
 * requests, wrong types, huge strings, deep nesting, invalid UTF-8, binary bodies, other AMQP body
 * types, batches gone wrong, missing reply-to), with valid requests in between. Every message that
 * can be answered is answered with a well-formed JSON-RPC response (an error wherever the message
 * is invalid, never an internal error), the worker keeps going, the valid requests all succeed, and
 * the live heap does not grow. {@code -Dreliability.fuzz=N} sends N messages; the seed is printed and
 * {@code -Dreliability.seed=S} replays a run.
 */
class FuzzIT {
    private static final int MESSAGES = Integer.getInteger("reliability.fuzz", 10_000);
    /** Messages sent before a valid request that must be answered: the worker is still there. */
    private static final int GROUP = 50;

    @TempDir
    Path tmp;

    /** What a message must get: an error reply, some well-formed reply or none, or no reply at all. */
    private enum Expect { ERROR, ANY, NONE }

    /** One generated message: what it is, what it must get, and how to make it. */
    private record Sample(String kind, Expect expect, Maker maker, String text) {
    }

    @FunctionalInterface
    private interface Maker {
        Message make(Session session) throws JMSException;
    }

    @Test
    void malformedAndHostileMessagesAreAnsweredAndChangeNothingElse() throws Exception {
        long seed = Long.getLong("reliability.seed", System.nanoTime());
        Random random = new Random(seed);
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Generator generator = new Generator(random, storage);
        Map<String, Integer> kinds = new TreeMap<>();
        Map<Integer, Integer> errorCodes = new TreeMap<>();
        Set<String> validManaged = new TreeSet<>();
        long heapAfterWarmUp = 0;
        int sent = 0;
        try (TestWorker worker = new TestWorker("fuzz", tmp.resolve("data"));
             Connection connection = new JmsConnectionFactory(worker.url()).createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue("tether.host.fuzz.requests"));
            TemporaryQueue replyQueue = session.createTemporaryQueue();
            MessageConsumer replies = session.createConsumer(replyQueue);
            connection.start();
            for (int group = 0; sent < MESSAGES; group++) {
                Map<String, Sample> inGroup = new HashMap<>();
                for (int i = 0; i < GROUP && sent < MESSAGES; i++, sent++) {
                    Sample sample = generator.next();
                    kinds.merge(sample.kind(), 1, Integer::sum);
                    Message message = sample.maker().make(session);
                    String correlation = "f-" + sent;
                    message.setJMSCorrelationID(correlation);
                    if (sample.expect() != Expect.NONE) {
                        message.setJMSReplyTo(replyQueue);
                    }
                    producer.send(message);
                    inGroup.put(correlation, sample);
                }
                // A valid request after the group: its reply comes after every reply to the group,
                // since the worker answers in order, and shows the worker is still at work.
                String cid = "valid-" + group;
                TextMessage valid = session.createTextMessage(generator.manage("v" + group, cid));
                valid.setJMSCorrelationID("v-" + group);
                valid.setJMSReplyTo(replyQueue);
                producer.send(valid);
                Map<String, String> got = new HashMap<>();
                while (!got.containsKey("v-" + group)) {
                    Message reply = replies.receive(30_000);
                    if (reply == null) {
                        fail("no answer to a valid request after group " + group + " (seed " + seed + ")");
                    }
                    got.put(reply.getJMSCorrelationID(), ((TextMessage) reply).getText());
                }
                JsonNode validReply = JsonRpc.MAPPER.readTree(got.remove("v-" + group));
                assertTrue(validReply.has("result"), "valid request failed: " + validReply + " (seed " + seed + ")");
                validManaged.add(cid);
                for (Map.Entry<String, Sample> e : inGroup.entrySet()) {
                    check(e.getValue(), got.remove(e.getKey()), errorCodes, seed);
                }
                assertTrue(got.isEmpty(), "replies nobody asked for: " + got.keySet());
                if (sent >= 1_000 && heapAfterWarmUp == 0) {
                    heapAfterWarmUp = Heap.live();
                }
            }
            long heapAtEnd = Heap.live();
            JsonNode list = listOf(session, producer, replyQueue, replies);
            for (String cid : validManaged) {
                assertTrue(list.at("/connections").has(cid), cid + " lost");
            }
            for (String cid : generator.silentManages) {
                assertTrue(list.at("/connections").has(cid), "a request without reply-to was not applied: " + cid);
            }
            System.out.printf("fuzzing (seed %d): %,d messages %s; error codes %s; %d valid requests all answered;"
                            + " live heap after 1,000 messages %,d KiB, at the end %,d KiB%n", seed, sent, kinds,
                    errorCodes, validManaged.size(), heapAfterWarmUp >> 10, heapAtEnd >> 10);
            assertTrue(heapAtEnd - heapAfterWarmUp < 32L << 20, "live heap grew by "
                    + ((heapAtEnd - heapAfterWarmUp) >> 10) + " KiB");
        }
    }

    private static void check(Sample sample, String reply, Map<Integer, Integer> errorCodes, long seed) throws Exception {
        String context = sample.kind() + " (seed " + seed + "): " + abbreviate(sample.text()) + " -> " + abbreviate(reply);
        if (sample.expect() == Expect.NONE) {
            assertEquals(null, reply, "no reply is due: " + context);
            return;
        }
        if (reply == null) {
            assertEquals(Expect.ANY, sample.expect(), "an error reply is due: " + context);
            return;
        }
        if (sample.text().contains("%secret")) {
            assertFalse(reply.contains("secret"), "a credential leaked: " + context);
        }
        JsonNode response = JsonRpc.MAPPER.readTree(reply);
        List<JsonNode> responses = new ArrayList<>();
        if (response.isArray()) {
            response.forEach(responses::add);
        } else {
            responses.add(response);
        }
        boolean anyError = false;
        for (JsonNode r : responses) {
            assertEquals("2.0", r.path("jsonrpc").asText(), context);
            assertTrue(r.has("id"), context);
            assertTrue(r.has("result") ^ r.has("error"), "result or error: " + context);
            if (r.has("error")) {
                anyError = true;
                int code = r.at("/error/code").asInt();
                errorCodes.merge(code, 1, Integer::sum);
                assertFalse(code == -32603, "an internal error is a bug: " + context);
                String message = r.at("/error/message").asText();
                assertFalse(message.isEmpty(), context);
                assertFalse(message.contains("Exception") || message.contains("\tat "), "internals leaked: " + context);
            }
        }
        if (sample.expect() == Expect.ERROR) {
            assertTrue(anyError, "an error is due: " + context);
        }
    }

    private static JsonNode listOf(Session session, MessageProducer producer, TemporaryQueue replyQueue,
                                   MessageConsumer replies) throws Exception {
        TextMessage list = session.createTextMessage("{\"jsonrpc\":\"2.0\",\"id\":\"list\",\"method\":\"getStorageServerList\"}");
        list.setJMSCorrelationID("list");
        list.setJMSReplyTo(replyQueue);
        producer.send(list);
        JsonNode reply = await().atMost(Duration.ofSeconds(30)).until(() -> {
            Message m = replies.receive(1000);
            return m != null && "list".equals(m.getJMSCorrelationID()) ? JsonRpc.MAPPER.readTree(((TextMessage) m).getText()) : null;
        }, r -> r != null);
        return reply.get("result");
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 300 ? s.substring(0, 300) + "...(" + s.length() + " chars)" : s;
    }

    /** Makes the messages: a seeded mix of every kind of bad input. */
    private static final class Generator {
        private final Random random;
        private final Path storage;
        private int n;
        final List<String> silentManages = new ArrayList<>();

        Generator(Random random, Path storage) {
            this.random = random;
            this.storage = storage;
        }

        String manage(String id, String cid) {
            return "{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"manageStorageServer\",\"params\":"
                    + "{\"connectionId\":\"" + cid + "\",\"uri\":\"file://" + storage + "\"}}";
        }

        private String valid() {
            int k = n++;
            return switch (random.nextInt(5)) {
                case 0 -> manage("m" + k, "mut-" + k);
                case 1 -> "{\"jsonrpc\":\"2.0\",\"id\":" + k + ",\"method\":\"unmanageStorageServer\",\"params\":{\"connectionId\":\"mut-" + k + "\"}}";
                case 2 -> "{\"jsonrpc\":\"2.0\",\"id\":" + k + ",\"method\":\"getStorageServerList\",\"params\":{\"connectionIdPrefix\":\"mut-\"}}";
                case 3 -> "{\"jsonrpc\":\"2.0\",\"id\":" + k + ",\"method\":\"getSealingKey\",\"params\":{}}";
                default -> "[" + manage("b" + k, "mut-b" + k) + ",{\"jsonrpc\":\"2.0\",\"id\":\"l" + k
                        + "\",\"method\":\"getStorageServerList\",\"params\":{\"connectionIdPrefix\":\"x\"}}]";
            };
        }

        Sample next() {
            int kind = random.nextInt(100);
            if (kind < 30) {
                return mutated();
            }
            if (kind < 50) {
                return wrongType();
            }
            if (kind < 58) {
                return text("batch", Expect.ERROR, badBatch());
            }
            if (kind < 65) {
                return invalidUtf8();
            }
            if (kind < 72) {
                return binary();
            }
            if (kind < 78) {
                return amqpType();
            }
            if (kind < 84) {
                return text("deep nesting", Expect.ERROR, deep());
            }
            if (kind < 86) {
                return huge();
            }
            if (kind < 92) {
                return hostile();
            }
            return noReplyTo();
        }

        private static Sample text(String kind, Expect expect, String body) {
            return new Sample(kind, expect, s -> s.createTextMessage(body), body);
        }

        /** A valid request with a few random edits: a parse error if it is no longer JSON. */
        private Sample mutated() {
            StringBuilder text = new StringBuilder(valid());
            int edits = 1 + random.nextInt(4);
            String alphabet = "{}[]\":,\\ 0123456789abcdefnulltrue-.\u0000\u00e9\u2028";
            for (int e = 0; e < edits && text.length() > 1; e++) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(4)) {
                    case 0 -> text.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(8)));
                    case 2 -> text.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> text.insert(at, text.substring(at, Math.min(text.length(), at + 1 + random.nextInt(12))));
                }
            }
            String body = text.toString();
            boolean json;
            try {
                JsonRpc.MAPPER.readTree(body);
                json = true;
            } catch (Exception notJson) {
                json = false;
            }
            // Still JSON: it may be valid, or a notification (no reply); otherwise it must be a parse error.
            return text("mutated", json ? Expect.ANY : Expect.ERROR, body);
        }

        private static final String[] BAD_VALUES = {"123", "-1.5", "true", "false", "null", "[]", "{}", "[1,2]",
            "{\"a\":1}", "\"\""};

        /** One member of a valid request replaced by a value of the wrong type or form. */
        private Sample wrongType() {
            String value = BAD_VALUES[random.nextInt(BAD_VALUES.length)];
            String cid = "\"wt-" + n++ + "\"";
            String uri = "\"file://" + storage + "\"";
            String jsonrpc = "\"2.0\"";
            String id = "7";
            String method = "\"manageStorageServer\"";
            String params = null;
            switch (random.nextInt(6)) {
                case 0 -> jsonrpc = random.nextBoolean() ? value : "\"1.0\"";
                case 1 -> id = random.nextBoolean() ? "[]" : random.nextBoolean() ? "{}" : "true";
                case 2 -> method = random.nextBoolean() ? value : "\"dropTables\"";
                case 3 -> params = value.equals("{}") ? "[]" : value;
                case 4 -> cid = value;
                default -> uri = random.nextBoolean() ? value : random.nextBoolean() ? "\"http://x/y\"" : "\"not a uri\"";
            }
            if (params == null) {
                params = "{\"connectionId\":" + cid + ",\"uri\":" + uri + "}";
            }
            return text("wrong type", Expect.ERROR, "{\"jsonrpc\":" + jsonrpc + ",\"id\":" + id + ",\"method\":" + method
                    + ",\"params\":" + params + "}");
        }

        private String badBatch() {
            return switch (random.nextInt(4)) {
                case 0 -> "[]";
                case 1 -> "[1,\"x\",null]";
                case 2 -> {
                    StringBuilder b = new StringBuilder("[");
                    for (int i = 0; i <= JsonRpc.MAX_BATCH; i++) {
                        b.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                                .append(",\"method\":\"getStorageServerList\"}");
                    }
                    yield b.append("]").toString();
                }
                default -> "[[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStorageServerList\"}]]";
            };
        }

        private Sample invalidUtf8() {
            byte[] body = valid().getBytes(StandardCharsets.UTF_8);
            byte[][] bad = {{(byte) 0xC3, (byte) 0x28}, {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF0, (byte) 0x28, (byte) 0x8C}};
            byte[] insert = bad[random.nextInt(bad.length)];
            int at = random.nextInt(body.length);
            byte[] mutated = new byte[body.length + insert.length];
            System.arraycopy(body, 0, mutated, 0, at);
            System.arraycopy(insert, 0, mutated, at, insert.length);
            System.arraycopy(body, at, mutated, at + insert.length, body.length - at);
            return bytes("invalid UTF-8", mutated);
        }

        private Sample binary() {
            byte[] body = new byte[1 + random.nextInt(2000)];
            random.nextBytes(body);
            return bytes("binary", body);
        }

        private static Sample bytes(String kind, byte[] body) {
            return new Sample(kind, Expect.ERROR, s -> {
                BytesMessage m = s.createBytesMessage();
                m.writeBytes(body);
                return m;
            }, kind + " " + body.length + " bytes");
        }

        /** The body in an AMQP section the contract does not allow (map, list, object, none). */
        private Sample amqpType() {
            return switch (random.nextInt(5)) {
                case 0 -> new Sample("AMQP map body", Expect.ERROR, s -> {
                    MapMessage m = s.createMapMessage();
                    m.setString("jsonrpc", "2.0");
                    m.setString("method", "getStorageServerList");
                    return m;
                }, "map");
                case 1 -> new Sample("AMQP sequence body", Expect.ERROR, s -> {
                    StreamMessage m = s.createStreamMessage();
                    m.writeString(valid());
                    return m;
                }, "stream");
                case 2 -> new Sample("serialized object body", Expect.ERROR, s -> s.createObjectMessage(valid()), "object");
                case 3 -> new Sample("no body", Expect.ERROR, Session::createMessage, "empty message");
                default -> new Sample("null text", Expect.ERROR, s -> s.createTextMessage(null), "null text");
            };
        }

        private String deep() {
            int depth = 65 + random.nextInt(random.nextBoolean() ? 100 : 100_000);
            boolean arrays = random.nextBoolean();
            StringBuilder b = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStorageServerList\",\"params\":");
            for (int i = 0; i < depth; i++) {
                b.append(arrays ? "[" : "{\"a\":");
            }
            for (int i = 0; i < depth; i++) {
                b.append(arrays ? "]" : "}");
            }
            return b.append("}").toString();
        }

        private Sample huge() {
            int size = random.nextBoolean() ? 4097 + random.nextInt(100_000) : JsonRpc.MAX_BODY_BYTES + 1 + random.nextInt(1000);
            String big = "x".repeat(size);
            String body = random.nextBoolean()
                    ? "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"" + big
                      + "\",\"uri\":\"file://" + storage + "\"}}"
                    : "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"h\","
                      + "\"uri\":\"file://" + storage + "/" + big + "\"}}";
            return text("huge string", Expect.ERROR, body);
        }

        /** Well-formed JSON that tries its luck: control characters, traversal, markup, odd unicode. */
        private Sample hostile() {
            String[] cids = {"a\\u0000b", "../../etc/passwd", "<script>alert(1)</script>", "a\\nb", "\\ud800",
                "' OR 1=1 --", "x".repeat(256), "\\u202e\\u0000"};
            String[] uris = {"file://" + storage + "/../../../etc", "file://relative/path", "file:///", "nfs://",
                "iscsi://user%secret@/", "posix://h/p?vfsType=../../bin/sh", "glusterfs://h/v?options=a,,b",
                "file://" + storage + "?x=y"};
            String cid = cids[random.nextInt(cids.length)];
            String uri = uris[random.nextInt(uris.length)];
            // Or as a sealedUri that is no JWE, or a JWE-shaped one that opens with no key.
            String[] sealed = {uri, "a.b.c.d.e", "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.AAAA.AAAA.AAAA.AAAA",
                "eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.a.b.c.d", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.AAAA.AAAA"};
            String field = random.nextInt(4) == 0 ? "sealedUri" : "uri";
            String value = field.equals("uri") ? uri : sealed[random.nextInt(sealed.length)];
            String body = "{\"jsonrpc\":\"2.0\",\"id\":\"h" + n++ + "\",\"method\":\"manageStorageServer\",\"params\":"
                    + "{\"connectionId\":\"" + cid + "\",\"" + field + "\":\"" + value + "\"}}";
            return text("hostile", Expect.ANY, body);
        }

        /** No reply-to: nothing can be answered; a valid manage among them must still be applied. */
        private Sample noReplyTo() {
            if (random.nextBoolean()) {
                String cid = "silent-" + n++;
                silentManages.add(cid);
                return text("no reply-to", Expect.NONE, manage("s" + n, cid));
            }
            return text("no reply-to", Expect.NONE, random.nextBoolean() ? "{\"jsonrpc\":" : badBatch());
        }
    }
}
