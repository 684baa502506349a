package io.tether.messaging;

import com.fasterxml.jackson.databind.node.NullNode;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.RequestHandler;
import io.tether.api.RpcError;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes requests off the host's queue one at a time in a transacted session, hands each body to the
 * {@link RequestHandler} (which commits its database transaction), sends the reply, then commits the
 * JMS transaction, which acknowledges the request. A crash before that commit redelivers the
 * request, and the handler answers it from the reply it recorded.
 */
public final class RequestConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RequestConsumer.class);

    /** Most requests taken into one transaction. */
    private static final int MAX_BATCH = 256;

    private final RequestHandler handler;
    private final Session session;
    private final MessageConsumer consumer;
    private final Session replySession;
    private final MessageProducer replies;
    private final Thread thread;
    private volatile boolean running = true;

    public RequestConsumer(Connection connection, String queue, RequestHandler handler) throws JMSException {
        this.handler = handler;
        this.session = connection.createSession(true, Session.SESSION_TRANSACTED);
        this.consumer = session.createConsumer(session.createQueue(queue));
        // Replies go out on their own session: a reply-to that vanished (the client left) must fail
        // that send alone, not roll back the acknowledgement of a request already made durable.
        this.replySession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.replies = replySession.createProducer(null);
        this.thread = new Thread(this::run, "tether-requests");
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            List<Message> batch = new ArrayList<>();
            try {
                Message first = consumer.receive(500);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // Whatever else has already arrived joins the batch: one database commit and one
                // acknowledgement for all of it, so throughput grows with the load.
                for (Message next; batch.size() < MAX_BATCH && (next = consumer.receiveNoWait()) != null; ) {
                    batch.add(next);
                }
            } catch (JMSException e) {
                if (running) {
                    log.warn("receiving requests failed, retrying: {}", e.getMessage());
                    rollback();
                    pause();
                }
                continue;
            }
            try {
                handleBatch(batch);
                session.commit();
                log.debug("{} request(s) handled in one transaction", batch.size());
            } catch (JMSException e) {
                // Typically a broker failover mid-transaction: the requests come back and are answered
                // from the request log where they were already handled.
                log.warn("request transaction did not commit, the broker will redeliver: {}", e.getMessage());
                rollback();
            }
        }
    }

    private void handleBatch(List<Message> batch) throws JMSException {
        List<RequestHandler.Incoming> incoming = new ArrayList<>(batch.size());
        for (Message message : batch) {
            incoming.add(read(message));
        }
        List<String> replies;
        try {
            replies = handler.handleAll(incoming);
        } catch (RuntimeException e) {
            log.error("{} request(s) failed unexpectedly", batch.size(), e);
            String internal = JsonRpc.write(JsonRpc.error(NullNode.instance, new RpcError(ErrorCode.INTERNAL_ERROR,
                    "internal error: " + e.getClass().getSimpleName() + "; the request may not have been applied")));
            replies = java.util.Collections.nCopies(batch.size(), internal);
        }
        for (int i = 0; i < batch.size(); i++) {
            if (replies.get(i) != null) {
                sendReply(batch.get(i), replies.get(i));
            }
        }
    }

    private static RequestHandler.Incoming read(Message message) throws JMSException {
        String messageId = message.getJMSMessageID();
        // A client that sends a request again after a broker failover keeps its correlation-id (and
        // body); a redelivery keeps its message-id. Either way the request is recognised.
        String correlationId = message.getJMSCorrelationID();
        String identity = correlationId != null ? "corr:" + correlationId : messageId == null ? null : "msg:" + messageId;
        try {
            String body = MessageBodies.text(message, JsonRpc.MAX_BODY_CHARS);
            return new RequestHandler.Incoming(body, null, identity == null ? null : identity + "#" + digest(body));
        } catch (MessageBodies.Unreadable e) {
            return new RequestHandler.Incoming(null, new RpcError(ErrorCode.PARSE_ERROR, "parse error: " + e.getMessage()), null);
        }
    }

    private void sendReply(Message request, String reply) throws JMSException {
        Destination replyTo = request.getJMSReplyTo();
        if (replyTo == null) {
            log.info("request {} has no reply-to; its response: {}", request.getJMSMessageID(), reply);
            return;
        }
        TextMessage response = replySession.createTextMessage(reply);
        String correlation = request.getJMSCorrelationID() != null
                ? request.getJMSCorrelationID() : request.getJMSMessageID();
        if (correlation != null) {
            response.setJMSCorrelationID(correlation);
        }
        try {
            // Replies go to a temporary queue as a rule, which does not outlive its client, so
            // persisting them buys nothing; the change they report is already durable in H2.
            replies.send(replyTo, response, DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, 0);
        } catch (JMSException e) {
            log.warn("reply to {} could not be sent (the client may be gone): {}", replyTo, e.getMessage());
        }
    }

    private static String digest(String body) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private void rollback() {
        try {
            session.rollback();
        } catch (JMSException e) {
            log.warn("rollback failed: {}", e.getMessage());
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
        try {
            session.close();
            replySession.close();
        } catch (JMSException e) {
            log.debug("closing sessions: {}", e.getMessage());
        }
    }
}
