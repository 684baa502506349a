package io.tether.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.qpid.jms.JmsConnectionFactory;

/**
 * A plain Qpid JMS client that sends exactly the bytes a test wants (valid or not) to a worker's
 * request queue and reads raw replies and events, so the tests see the wire, not the client library.
 */
public final class RawClient implements AutoCloseable {
    private final Connection connection;
    private final Session session;
    private final MessageProducer producer;
    private final TemporaryQueue replyQueue;
    private final MessageConsumer replies;
    private final String hostId;
    /** Every status event received, as the notification's params, in arrival order. */
    public final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** Raw status messages, for checking AMQP properties. */
    public final List<Message> eventMessages = new CopyOnWriteArrayList<>();

    public RawClient(String url, String hostId) throws JMSException {
        this.hostId = hostId;
        this.connection = new JmsConnectionFactory(url).createConnection();
        this.session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.producer = session.createProducer(session.createQueue("tether.host." + hostId + ".requests"));
        this.replyQueue = session.createTemporaryQueue();
        this.replies = session.createConsumer(replyQueue);
        Session eventSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        eventSession.createConsumer(eventSession.createTopic("tether.host." + hostId + ".status")).setMessageListener(m -> {
            try {
                eventMessages.add(m);
                events.add(JsonRpc.MAPPER.readTree(((TextMessage) m).getText()).get("params"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        connection.start();
    }

    /**
     * Sends a text body with reply-to and returns the reply text, or null if none came within a
     * minute: a deadline for an answer that must come, which a worker JVM just started on a machine
     * whose cores other builds hold can take seconds to give, never a measure of speed.
     */
    public String send(String body) throws JMSException {
        return send(body, REPLY_DEADLINE_MILLIS);
    }

    /** How long a reply that must come is waited for. */
    public static final long REPLY_DEADLINE_MILLIS = 60_000;

    /** Sends a text body with reply-to and returns the reply text, or null if none came in time. */
    public String send(String body, long timeoutMillis) throws JMSException {
        TextMessage message = session.createTextMessage(body);
        message.setJMSReplyTo(replyQueue);
        producer.send(message);
        return receive(timeoutMillis);
    }

    /** Sends a request and returns the parsed reply. */
    public JsonNode call(String body) throws Exception {
        String reply = send(body);
        if (reply == null) {
            throw new AssertionError("no reply to " + body);
        }
        return JsonRpc.MAPPER.readTree(reply);
    }

    /** Calls a method with params given as JSON text, with id 1. */
    public JsonNode call(String method, String paramsJson) throws Exception {
        return call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + paramsJson + "}");
    }

    public JsonNode manage(String cid, String uri) throws Exception {
        return call("manageStorageServer", JsonRpc.MAPPER.createObjectNode().put("connectionId", cid).put("uri", uri).toString());
    }

    public JsonNode unmanage(String cid) throws Exception {
        return call("unmanageStorageServer", JsonRpc.MAPPER.createObjectNode().put("connectionId", cid).toString());
    }

    /** The host's whole list: every page, merged, with the seq of its last page. */
    public JsonNode list() throws Exception {
        ObjectNode whole = call("getStorageServerList", "{}").get("result").deepCopy();
        JsonNode page = whole;
        while (page.hasNonNull("next")) {
            page = call("getStorageServerList", JsonRpc.MAPPER.createObjectNode().put("after", page.get("next").asText())
                    .toString()).get("result");
            ((ObjectNode) whole.get("connections")).setAll(
                    (ObjectNode) page.get("connections"));
            whole.set("seq", page.get("seq"));
        }
        whole.putNull("next");
        return whole;
    }

    /** Whether every connection of the list is CONNECTED. */
    public boolean allConnected() throws Exception {
        return list().get("connections").findValues("state").stream().allMatch(s -> s.asText().equals("CONNECTED"));
    }

    /** The CIDs of a {@code getStorageServerList} result, in order. */
    public static Set<String> cids(JsonNode list) {
        Set<String> cids = new TreeSet<>();
        list.get("connections").fieldNames().forEachRemaining(cids::add);
        return cids;
    }

    /** The status events of connection {@code key} received so far, in arrival order. */
    public List<JsonNode> eventsFor(String key) {
        return events.stream().filter(e -> e.get("connectionKey").asText().equals(key)).toList();
    }

    /**
     * The first event of connection {@code key} with this change and state and a seq above
     * {@code afterSeq}, waited for up to {@code timeout}.
     */
    public JsonNode awaitEvent(String key, String change, String state, long afterSeq, Duration timeout) {
        return await().atMost(timeout).until(() -> eventsFor(key).stream()
                .filter(e -> e.get("seq").asLong() > afterSeq && e.get("change").asText().equals(change)
                        && e.get("state").asText().equals(state))
                .findFirst().orElse(null), e -> e != null);
    }

    public String sendBytes(byte[] body) throws JMSException {
        BytesMessage message = session.createBytesMessage();
        message.writeBytes(body);
        message.setJMSReplyTo(replyQueue);
        producer.send(message);
        return receive(5000);
    }

    public String sendBytes(String body) throws JMSException {
        return sendBytes(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends any message prepared by the caller (reply-to is set here unless {@code noReplyTo}). */
    public void sendRaw(Message message, boolean noReplyTo) throws JMSException {
        if (!noReplyTo) {
            message.setJMSReplyTo(replyQueue);
        }
        producer.send(message);
    }

    /** The next reply text, or null after {@code millis}. */
    public String receive(long millis) throws JMSException {
        Message reply = replies.receive(millis);
        lastReply = reply;
        return reply == null ? null : ((TextMessage) reply).getText();
    }

    /** The JMS message of the last reply received, for correlation-id checks. */
    public Message lastReply;

    public Session session() {
        return session;
    }

    public String hostId() {
        return hostId;
    }

    @Override
    public void close() throws JMSException {
        connection.close();
    }
}
