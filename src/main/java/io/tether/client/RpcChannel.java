package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerLink;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageListener;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * JSON-RPC calls over one broker connection: sends a request to a host's request queue, and
 * completes its future with the reply that comes back on this channel's temporary queue with the
 * request's correlation id. A request stays {@link #pending} until its reply or its timeout; when a
 * failover connection is {@link BrokerLink.State#RESTORED}, every pending request goes again.
 */
final class RpcChannel implements AutoCloseable {
    private final Connection connection;
    private final BrokerLink link;
    /** Whether the URL is a failover one: a send lost with a connection then goes again on the next. */
    private final boolean failover;
    private final Session session;
    private final MessageProducer producer;
    private final TemporaryQueue replyQueue;
    /** Requests without a reply yet, by correlation id. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /** A request on its way: where it went, what it said, and what waits for its reply. */
    private record Pending(String hostId, String body, CompletableFuture<JsonNode> reply) {
    }

    RpcChannel(Connection connection, boolean failover) throws JMSException {
        this.connection = connection;
        this.failover = failover;
        this.link = BrokerLink.watch(connection);
        link.addListener((state, cause) -> {
            if (state == BrokerLink.State.RESTORED) {
                // Not on Qpid's own thread: a send from there would wait on itself.
                CompletableFuture.runAsync(this::resendPending);
            }
        });
        this.session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.producer = session.createProducer(null);
        this.replyQueue = session.createTemporaryQueue();
        session.createConsumer(replyQueue).setMessageListener(this::onReply);
        connection.start();
    }

    /** The state of this channel's broker connection. */
    BrokerLink link() {
        return link;
    }

    /**
     * Calls {@code method} on {@code hostId}'s worker. The future completes with the reply's
     * {@code result}, or fails with {@link RpcException} (an error reply), {@link TimeoutException}
     * (no reply within {@code timeout}) or {@link JMSException} (the broker refused the request).
     */
    CompletableFuture<JsonNode> call(String hostId, String method, Map<String, ?> params, Duration timeout) {
        return exchange(hostId, method, request(UUID.randomUUID().toString(), method, params), timeout).thenApply(response -> {
            if (response.has("error")) {
                throw new CompletionException(new RpcException(response.get("error")));
            }
            return response.get("result");
        });
    }

    /** One request of a {@link #batch}. */
    record Call(String method, Map<String, ?> params) {
    }

    /**
     * Calls every one of {@code calls} on {@code hostId}'s worker in one message, a JSON-RPC batch.
     * The future completes with one reply per call, in the order of {@code calls}: the reply object,
     * holding its {@code result} or its {@code error}. It fails as {@link #call}'s does for what
     * concerns the whole message: no answer, the broker's refusal, or an error for the whole batch.
     */
    CompletableFuture<List<JsonNode>> batch(String hostId, List<Call> calls, Duration timeout) {
        ArrayNode body = JsonRpc.MAPPER.createArrayNode();
        for (int i = 0; i < calls.size(); i++) {
            body.add(request(Integer.toString(i), calls.get(i).method(), calls.get(i).params()));
        }
        return exchange(hostId, "a batch of " + calls.size(), body, timeout).thenApply(response -> {
            if (!response.isArray()) {
                throw new CompletionException(new RpcException(response.path("error")));
            }
            // A worker may answer the requests of a batch in any order: matched by their ids.
            JsonNode[] replies = new JsonNode[calls.size()];
            for (JsonNode reply : response) {
                int i = reply.path("id").asInt(-1);
                if (i >= 0 && i < replies.length) {
                    replies[i] = reply;
                }
            }
            // A call without a reply (a worker should answer each) stays null: its caller says so.
            return Arrays.asList(replies);
        });
    }

    private static ObjectNode request(String id, String method, Map<String, ?> params) {
        ObjectNode request = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", JsonRpc.MAPPER.valueToTree(params));
        return request;
    }

    /**
     * Sends {@code request} ({@code what}: its method, for the timeout's message) to {@code hostId}
     * and completes with the reply's body; fails with {@link TimeoutException} or {@link JMSException}.
     */
    private CompletableFuture<JsonNode> exchange(String hostId, String what, JsonNode request, Duration timeout) {
        String id = UUID.randomUUID().toString();
        String body = JsonRpc.write(request);
        long bytes = JsonRpc.utf8Length(body);
        if (bytes > JsonRpc.MAX_BODY_BYTES) {
            // The worker reads no more; the broker moves a bigger message to DLQ before any worker sees it.
            return CompletableFuture.failedFuture(RpcException.of(ErrorCode.INVALID_REQUEST, "the request to host " + hostId
                    + " is " + bytes + " bytes of UTF-8, over the " + JsonRpc.MAX_BODY_BYTES + " a worker takes; nothing was sent"));
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, new Pending(hostId, body, reply));
        reply.whenComplete((r, e) -> pending.remove(id));
        try {
            send(id, hostId, body, true, reply);
        } catch (JMSException | RuntimeException e) {
            reply.completeExceptionally(e);
            return reply;
        }
        return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                throw new CompletionException(cause instanceof TimeoutException
                        ? new TimeoutException("host " + hostId + " did not answer " + what + " within " + timeout.toMillis()
                                + " ms (is its worker running and connected to this broker?)")
                        : cause);
            }
            return response;
        });
    }

    /** Delivers the messages of {@code topic} that match {@code selector} to {@code listener} until the handle is closed. */
    AutoCloseable subscribe(String topic, String selector, MessageListener listener) throws JMSException {
        Session events = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = events.createConsumer(events.createTopic(topic), selector);
        consumer.setMessageListener(listener);
        return events::close;
    }

    /**
     * Sends a request. Asynchronously (JMS 2.0: many requests, to many hosts, go out without a
     * broker round trip each), a refusal the broker reports later fails {@code reply}; else it waits
     * for the broker to take it.
     */
    private void send(String id, String hostId, String body, boolean async, CompletableFuture<JsonNode> reply)
            throws JMSException {
        synchronized (session) {
            TextMessage message = session.createTextMessage(body);
            message.setJMSReplyTo(replyQueue);
            message.setJMSCorrelationID(id);
            jakarta.jms.Queue queue = session.createQueue(Addresses.requests(hostId));
            try {
                if (async) {
                    producer.send(queue, message, new Refusals(hostId, reply));
                } else {
                    producer.send(queue, message);
                }
            } catch (JMSSecurityException e) {
                throw refusal(hostId, e);
            }
        }
    }

    /** Fails a request the broker refused after taking it; one lost with a failover connection stays pending. */
    private final class Refusals implements CompletionListener {
        private final String hostId;
        private final CompletableFuture<JsonNode> reply;

        Refusals(String hostId, CompletableFuture<JsonNode> reply) {
            this.hostId = hostId;
            this.reply = reply;
        }

        @Override
        public void onCompletion(Message sent) {
            // Taken by the broker: the reply completes the request.
        }

        @Override
        public void onException(Message sent, Exception e) {
            if (e instanceof JMSSecurityException denied) {
                reply.completeExceptionally(refusal(hostId, denied));
            } else if (!failover) {
                reply.completeExceptionally(e instanceof JMSException jms ? jms : asJms(e));
            }
            // Else lost with a connection that a failover replaces: resendPending sends it again.
        }
    }

    /**
     * After a failover a reply may have been lost with the old connection (the broker restarted
     * before it reached us). Sending the same request again, with the same correlation id and body,
     * is safe: the worker recognises it and answers with the reply it recorded, without running it twice.
     */
    private void resendPending() {
        pending.forEach((id, p) -> {
            try {
                send(id, p.hostId(), p.body(), false, p.reply());
            } catch (JMSException e) {
                // The caller's timeout reports it.
            }
        });
    }

    /**
     * The broker has no queue for the host (and may not let an engine make one), or this login may
     * not send to it: nothing would ever answer, so say so now.
     */
    private static JMSSecurityException refusal(String hostId, JMSSecurityException e) {
        JMSSecurityException refused = new JMSSecurityException("host " + hostId + " has no request queue on this broker,"
                + " or this login may not send to it: " + e.getMessage(), e.getErrorCode());
        refused.initCause(e);
        return refused;
    }

    /** {@code e} as the {@link JMSException} a broker failure is reported with. */
    static JMSException asJms(Throwable e) {
        if (e instanceof JMSException jms) {
            return jms;
        }
        JMSException jms = new JMSException(e == null ? "the broker connection failed"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        if (e != null) {
            jms.initCause(e);
        }
        return jms;
    }

    private void onReply(Message message) {
        try {
            String correlation = message.getJMSCorrelationID();
            Pending request = correlation == null ? null : pending.get(correlation);
            if (request != null) {
                request.reply().complete(JsonRpc.MAPPER.readTree(((TextMessage) message).getText()));
            }
        } catch (Exception e) {
            // Not a reply of ours; nothing waits for it.
        }
    }

    /** What a future of this package failed with, without the wrappers of {@link CompletableFuture}. */
    static Throwable unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() throws JMSException {
        connection.close();
    }
}
