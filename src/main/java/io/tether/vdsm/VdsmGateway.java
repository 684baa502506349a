package io.tether.vdsm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.amqp.Jms;
import io.tether.client.TetherClient;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.jms.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of VDSM's wire protocol: reads the requests VDSM's engine client sends over
 * STOMP ({@value #REQUESTS}, arriving through the broker), answers each on its {@code reply-to}
 * destination ({@value #RESPONSES} unless it names another) with {@link VdsmVerbs}, which calls this
 * host's worker as any engine does. Each request is answered on a thread of its own, so a connect
 * waiting for its storage holds up no ping.
 */
public final class VdsmGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VdsmGateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where VDSM's engine client sends requests. */
    public static final String REQUESTS = "jms.topic.vdsm_requests";
    /** Where it reads responses. */
    public static final String RESPONSES = "jms.topic.vdsm_responses";
    /** The most VDSM calls answered at once; more wait for a thread. */
    private static final int THREADS = 8;

    private final TetherClient tether;
    private final Connection connection;
    private final Session sendSession;
    private final MessageProducer producer;
    private final ExecutorService requests;
    private final ExecutorService connects;
    private final VdsmVerbs verbs;

    private VdsmGateway(TetherClient tether, Connection connection, String hostId, Duration timeout) throws JMSException {
        this.tether = tether;
        this.connection = connection;
        this.requests = Executors.newFixedThreadPool(THREADS, named("tether-vdsm-"));
        this.connects = Executors.newFixedThreadPool(THREADS, named("tether-vdsm-connect-"));
        this.verbs = new VdsmVerbs(tether, hostId, timeout, connects);
        this.sendSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.producer = sendSession.createProducer(null);
        Session receive = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = receive.createConsumer(receive.createQueue(REQUESTS));
        consumer.setMessageListener(message -> requests.execute(() -> handle(message)));
        connection.start();
    }

    /**
     * Starts the gateway for {@code hostId}'s worker on the broker at {@code brokerUrl}, with a login
     * of roles {@code engine} and {@code vdsm-gateway}.
     *
     * @param timeout how long a connect waits for its storage before it answers with an error
     */
    public static VdsmGateway start(String brokerUrl, BrokerCredentials login, String hostId, Duration timeout)
            throws JMSException {
        TetherClient tether = TetherClient.connect(brokerUrl, () -> login);
        Connection connection = null;
        try {
            connection = Jms.connect(brokerUrl, () -> login, true);
            VdsmGateway gateway = new VdsmGateway(tether, connection, hostId, timeout);
            log.info("VDSM gateway answering {} for host {}", REQUESTS, hostId);
            return gateway;
        } catch (JMSException | RuntimeException e) {
            tether.close();
            if (connection != null) {
                connection.close();
            }
            throw e;
        }
    }

    private void handle(Message message) {
        try {
            ObjectNode reply = verbs.answer(body(message));
            if (reply == null) {
                return;
            }
            send(replyTo(message), JSON.writeValueAsBytes(reply));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("VDSM request not answered: {}", e.toString());
        }
    }

    private synchronized void send(String destination, byte[] body) throws JMSException {
        BytesMessage reply = sendSession.createBytesMessage();
        reply.writeBytes(body);
        producer.send(sendSession.createTopic(destination), reply);
    }

    private static String body(Message message) throws JMSException {
        if (message instanceof TextMessage text) {
            return text.getText();
        }
        if (message instanceof BytesMessage bytes) {
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            return new String(body, StandardCharsets.UTF_8);
        }
        throw new JMSException("a VDSM request must be text or bytes, not " + message.getClass().getSimpleName());
    }

    /** The destination the engine's client named in {@code reply-to}, or {@value #RESPONSES}. */
    private static String replyTo(Message message) throws JMSException {
        Destination replyTo = message.getJMSReplyTo();
        if (replyTo instanceof Topic topic) {
            return topic.getTopicName();
        }
        if (replyTo instanceof Queue queue) {
            return queue.getQueueName();
        }
        String named = message.getStringProperty("JMSReplyTo");
        return named != null ? named : RESPONSES;
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() throws JMSException, InterruptedException {
        try {
            connection.close();
        } finally {
            requests.shutdownNow();
            connects.shutdownNow();
            requests.awaitTermination(5, TimeUnit.SECONDS);
            tether.close();
        }
    }
}
