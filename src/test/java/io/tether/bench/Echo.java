package io.tether.bench;

import io.tether.amqp.Addresses;
import io.tether.amqp.Jms;
import io.tether.api.JsonRpc;
import io.tether.messaging.RequestConsumer;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Answers every request at once, with the worker's messaging pattern and no work. It stands in for
 * a worker on a host id of its own, which the broker lets only the admin consume: give it the
 * admin's URL ({@code TestWorker.adminUrl()}).
 *
 * <p>As an <em>event echo</em> ({@link #withEvents}) it also publishes one persistent event message
 * per request on a topic, as the worker's contract asks of it for every changed connection, and
 * the way the worker's {@code EventPublisher} does: on a connection of its own, from a thread of
 * its own, whatever has piled up sent in one transaction. That is the limit a worker can reach:
 * the messaging the contract implies, and no storage work.
 */
final class Echo implements AutoCloseable {
    /** An event about the size of the worker's (a MANAGED event with one CID). */
    private static final String EVENT = "{\"jsonrpc\":\"2.0\",\"method\":\"storageServerStatus\",\"params\":{\"hostId\":\"echo\","
            + "\"seq\":%d,\"at\":\"2026-11-26T00:00:00.000Z\",\"change\":\"MANAGED\",\"connectionKey\":\"file:///srv/bench/d42\","
            + "\"state\":\"CONNECTING\",\"connectionIdCount\":1,\"changedIds\":[\"bench-%d\"],\"lastError\":null}}";
    /** What the worker's publisher sends in one transaction at most. */
    private static final int EVENT_BATCH = 500;

    private final Connection connection;
    private final Thread thread;
    private final Connection eventConnection;
    private final Thread publisher;
    private final BlockingQueue<Long> events = new LinkedBlockingQueue<>();
    private volatile boolean running = true;

    /** A plain echo: replies only. */
    Echo(String url, String queue) throws Exception {
        this(url, queue, null);
    }

    /** An event echo: replies, and one persistent event per request on {@code topic}. */
    static Echo withEvents(String url, String queue, String topic) throws Exception {
        return new Echo(url, queue, topic);
    }

    private Echo(String url, String queue, String topic) throws Exception {
        // Connected as the worker connects (receives read the prefetch buffer only).
        connection = Jms.connect(url, null, null, false);
        makeQueue(connection, queue);
        Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        MessageConsumer consumer = session.createConsumer(session.createQueue(queue));
        Session replySession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer replies = replySession.createProducer(null);
        connection.start();
        if (topic != null) {
            eventConnection = Jms.connect(url, null, null, false);
            Session eventSession = eventConnection.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer producer = eventSession.createProducer(eventSession.createTopic(topic));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            publisher = new Thread(() -> publish(eventSession, producer, topic), "echo-events");
            publisher.start();
        } else {
            eventConnection = null;
            publisher = null;
        }
        thread = new Thread(() -> {
            long seq = 0;
            while (running) {
                try {
                    Message m = consumer.receive(200);
                    if (m == null) {
                        continue;
                    }
                    // The worker's pattern: whatever has arrived (up to its batch limit), replied
                    // to, then one acknowledgement.
                    Message last = m;
                    for (int taken = 1; m != null; m = taken++ < RequestConsumer.MAX_MESSAGES_PER_COMMIT ? consumer.receiveNoWait() : null) {
                        String text = ((TextMessage) m).getText();
                        TextMessage reply = replySession.createTextMessage(
                                "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{\"echo\":" + text.length() + "}}");
                        reply.setJMSCorrelationID(m.getJMSMessageID());
                        replies.send(m.getJMSReplyTo(), reply, DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, 0);
                        last = m;
                        if (publisher != null) {
                            // Handed over as the worker's request path wakes its publisher.
                            events.add(++seq);
                        }
                    }
                    last.acknowledge();
                } catch (Exception e) {
                    if (running) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }, "echo");
        thread.start();
    }

    /**
     * Makes the anycast queue {@code queue} (on the address of that name) through the broker's
     * management, as the admin: the broker makes no queue on a consumer's say-so, and a host it was
     * not configured for has none.
     */
    static void makeQueue(Connection admin, String queue) throws Exception {
        Session session = admin.createSession(false, Session.AUTO_ACKNOWLEDGE);
        try {
            admin.start();
            String config = JsonRpc.MAPPER.createObjectNode().put("name", queue).put("address", queue)
                    .put("routing-type", "ANYCAST").put("durable", true).put("auto-create-address", true).toString();
            TextMessage call = session.createTextMessage(JsonRpc.MAPPER.createArrayNode().add(config).add(true).toString());
            call.setStringProperty("_AMQ_ResourceName", "broker");
            call.setStringProperty("_AMQ_OperationName", "createQueue");
            TemporaryQueue answers = session.createTemporaryQueue();
            call.setJMSReplyTo(answers);
            session.createProducer(session.createQueue("activemq.management")).send(call);
            Message answer = session.createConsumer(answers).receive(30_000);
            if (answer == null || !answer.getBooleanProperty("_AMQ_OperationSucceeded")) {
                throw new IllegalStateException("the broker did not make " + queue + ": "
                        + (answer == null ? "no answer" : ((TextMessage) answer).getText()));
            }
        } finally {
            session.close();
        }
    }

    /** Sends what has piled up, in transactions of at most EVENT_BATCH, until closed. */
    private void publish(Session session, MessageProducer producer, String topic) {
        List<Long> batch = new ArrayList<>();
        while (running) {
            try {
                Long first = events.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                events.drainTo(batch, EVENT_BATCH - 1);
                for (long seq : batch) {
                    TextMessage message = session.createTextMessage(String.format(EVENT, seq, seq));
                    message.setStringProperty("hostId", "echo");
                    message.setStringProperty(Addresses.STATUS_ADDRESS_PROPERTY, topic);
                    message.setStringProperty("state", "CONNECTING");
                    message.setStringProperty("change", "MANAGED");
                    message.setLongProperty("seq", seq);
                    producer.send(message);
                }
                session.commit();
                batch.clear();
            } catch (Exception e) {
                if (running) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        thread.join(2000);
        if (publisher != null) {
            publisher.join(2000);
            eventConnection.close();
        }
        connection.close();
    }
}
