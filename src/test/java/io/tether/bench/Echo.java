package io.tether.bench;

import io.tether.messaging.Jms;
import io.tether.messaging.RequestConsumer;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

/**
 * Answers every request at once, with the worker's messaging pattern and no work. It stands in for
 * a worker on a host id of its own, which the broker lets only the admin consume: give it the
 * admin's URL ({@code TestWorker.adminUrl()}).
 */
final class Echo implements AutoCloseable {
    private final Connection connection;
    private final Thread thread;
    private volatile boolean running = true;

    Echo(String url, String queue) throws Exception {
        // Connected as the worker connects (receives read the prefetch buffer only).
        connection = Jms.connect(url, null, null, false);
        Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        MessageConsumer consumer = session.createConsumer(session.createQueue(queue));
        Session replySession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer replies = replySession.createProducer(null);
        connection.start();
        thread = new Thread(() -> {
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

    @Override
    public void close() throws Exception {
        running = false;
        thread.join(2000);
        connection.close();
    }
}
