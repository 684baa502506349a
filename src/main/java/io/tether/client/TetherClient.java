package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.messaging.Addresses;
import io.tether.messaging.Jms;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The engine side of Tether: calls methods on any host's worker and watches status events.
 *
 * <pre>{@code
 * try (TetherClient client = TetherClient.connect("amqp://127.0.0.1:5672", null, null)) {
 *     JsonNode result = client.call("host1", "manageStorageServer",
 *             Map.of("connectionId", "flow1-data", "uri", "file:///srv/data"), Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * Replies come back on one temporary queue and are matched by correlation-id. Thread-safe.
 */
public final class TetherClient implements AutoCloseable {
    private final Connection connection;
    private final Session session;
    private final MessageProducer producer;
    private final TemporaryQueue replyQueue;
    private final MessageConsumer replyConsumer;
    private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    private TetherClient(Connection connection) throws JMSException {
        this.connection = connection;
        this.session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.producer = session.createProducer(null);
        this.replyQueue = session.createTemporaryQueue();
        this.replyConsumer = session.createConsumer(replyQueue);
        replyConsumer.setMessageListener(this::onReply);
        connection.start();
    }

    /** Connects to the broker; fails at once when it is unreachable. */
    public static TetherClient connect(String brokerUrl, String user, String password) throws JMSException {
        Connection connection = Jms.connect(brokerUrl, user, password, false);
        try {
            return new TetherClient(connection);
        } catch (JMSException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * Calls {@code method} on {@code hostId}'s worker and returns its {@code result}.
     *
     * @throws RpcException the worker answered with a JSON-RPC error
     * @throws TimeoutException no answer within {@code timeout}
     */
    public JsonNode call(String hostId, String method, Map<String, ?> params, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        String id = UUID.randomUUID().toString();
        ObjectNode request = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", JsonRpc.MAPPER.valueToTree(params));
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        try {
            synchronized (session) {
                TextMessage message = session.createTextMessage(JsonRpc.write(request));
                message.setJMSReplyTo(replyQueue);
                message.setJMSCorrelationID(id);
                producer.send(session.createQueue(Addresses.requests(hostId)), message);
            }
            JsonNode response = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.has("error")) {
                throw new RpcException(response.get("error"));
            }
            return response.get("result");
        } catch (ExecutionException e) {
            throw new IllegalStateException("reply future cannot fail", e);
        } catch (TimeoutException e) {
            throw new TimeoutException("host " + hostId + " did not answer " + method + " within " + timeout.toMillis()
                    + " ms (is its worker running and connected to this broker?)");
        } finally {
            waiting.remove(id);
        }
    }

    /**
     * Delivers every status event of {@code hostId} (or of all hosts when null) to {@code listener},
     * as the notification's {@code params}, until the returned handle is closed.
     */
    public AutoCloseable watch(String hostId, Consumer<JsonNode> listener) throws JMSException {
        Session events = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        String topic = hostId == null ? Addresses.ALL_STATUS : Addresses.status(hostId);
        MessageConsumer consumer = events.createConsumer(events.createTopic(topic));
        consumer.setMessageListener(message -> {
            try {
                listener.accept(JsonRpc.MAPPER.readTree(((TextMessage) message).getText()).get("params"));
            } catch (Exception e) {
                // A listener's own failure must not stop the stream of events.
            }
        });
        return events::close;
    }

    private void onReply(Message message) {
        try {
            JsonNode body = JsonRpc.MAPPER.readTree(((TextMessage) message).getText());
            String correlation = message.getJMSCorrelationID();
            CompletableFuture<JsonNode> future = correlation == null ? null : waiting.get(correlation);
            if (future != null) {
                future.complete(body);
            }
        } catch (Exception e) {
            // Not a reply of ours; nothing waits for it.
        }
    }

    @Override
    public void close() throws JMSException {
        connection.close();
    }
}
