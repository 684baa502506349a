package io.tether.messaging;

import io.tether.amqp.Addresses;
import io.tether.amqp.Jms;
import io.tether.api.ErrorCode;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.api.RpcError;
import io.tether.uri.Text;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes requests off the host's queue, as many as have arrived (a batch), reads each one's body
 * (UTF-8 JSON in an AMQP string or data section; any other is answered with a parse error), hands them to the
 * {@link Handler} (which commits one database transaction for the batch), sends the replies, then
 * acknowledges the batch. A crash before the acknowledgement reaches the broker delivers the
 * requests again, and the handler answers them from the replies it recorded.
 */
public final class RequestConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RequestConsumer.class);

    /** Most request messages taken off the queue together (one database commit). */
    public static final int MAX_MESSAGES_PER_COMMIT = 256;

    /** What the consumer hands a batch of messages to (the worker's request path). */
    public interface Handler {
        /** One reply per message, in order; must not throw for bad input, only for a fault. */
        List<Reply> handle(List<Incoming> messages);

        /**
         * The replies of the batch last handled have been sent; its messages arrived at
         * {@code receivedNanos} ({@link System#nanoTime()}). Called on the thread that called handle.
         */
        default void repliesSent(long receivedNanos) {
        }
    }

    private final Handler handler;
    private final Session session;
    private final MessageConsumer consumer;
    private final Session replySession;
    private final MessageProducer replies;
    /**
     * Messages still to take one at a time, after a batch that failed: so the one that fails alone
     * is the only one its rejection applies to (an acknowledgement covers every message received).
     */
    private int alone;
    private final Thread thread;
    /** Why the last request that could not be handled was not, until a batch is handled again; else null. */
    private volatile String fault;
    private volatile boolean running = true;
    /** Whether the last receive worked: false while the broker refuses the consumer or the link is down. */
    private volatile boolean attached;
    /** Receives that failed in a row: how long the next retry waits ({@link Jms#BROKER_RETRY}). */
    private int brokerFailures;

    public RequestConsumer(Connection connection, String queue, Handler handler) throws JMSException {
        this.handler = handler;
        // Client acknowledgement, not a transaction: a transaction's commit waits for the broker's
        // journal sync (docs/benchmarks.md), an acknowledgement does not.
        // Nothing is lost either way: a request is acknowledged only once its change is committed
        // to H2, and one the broker hands out again after a crash is answered from the request log.
        this.session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        this.consumer = session.createConsumer(session.createQueue(queue));
        // Replies go out on their own session: a reply-to that vanished (the client left) must fail
        // that send alone, not roll back the acknowledgement of a request already made durable.
        this.replySession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.replies = replySession.createProducer(null);
        this.thread = new Thread(this::run, "tether-requests");
    }

    public void start() {
        attached = true;
        thread.start();
    }

    /** Whether it takes requests: its thread runs and its last receive from the queue worked. */
    public boolean isAttached() {
        return attached && running && thread.isAlive();
    }

    /**
     * Why a request could not be handled and went to the dead letters, until the worker handles a
     * request that arrived after it; empty otherwise. For {@code /readyz}: a worker short of memory says so.
     */
    public Optional<String> fault() {
        return Optional.ofNullable(fault);
    }

    /** Whether its thread runs (false before {@link #start()} and after {@link #close()}). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    private void run() {
        while (running) {
            List<Message> batch = new ArrayList<>();
            long received;
            // A batch taken alone after a failure does not clear its fault: only one taken as usual.
            boolean usual = alone == 0;
            try {
                Message first = consumer.receive(500);
                attached = true;
                brokerFailures = 0;
                if (first == null) {
                    continue;
                }
                received = System.nanoTime();
                batch.add(first);
                // Whatever else has already arrived joins the batch: one database commit and one
                // acknowledgement for all of it, so throughput grows with the load.
                for (Message next; alone == 0 && batch.size() < MAX_MESSAGES_PER_COMMIT
                        && (next = consumer.receiveNoWait()) != null; ) {
                    batch.add(next);
                }
                alone = Math.max(alone - 1, 0);
            } catch (JMSException e) {
                attached = false;
                if (running) {
                    log.warn("receiving requests failed, retrying: {}", e.getMessage());
                    recover();
                    if (!Jms.pauseBeforeRetry(Jms.BROKER_RETRY, ++brokerFailures)) {
                        running = false;
                    }
                }
                continue;
            }
            try {
                long start = System.nanoTime();
                if (!handleBatch(batch, usual)) {
                    // Nothing of it was made durable. Each message comes again, and is taken alone.
                    log.warn("{} requests failed together: each is handled again alone", batch.size());
                    alone = batch.size();
                    recover();
                    continue;
                }
                handler.repliesSent(received);
                // Acknowledges every message of the batch (and any before it) in one go.
                batch.get(batch.size() - 1).acknowledge();
                log.debug("{} request(s) handled together in {} us", batch.size(), (System.nanoTime() - start) / 1000);
            } catch (JMSException e) {
                // Typically a broker failover mid-batch: the requests come back and are answered
                // from the request log where they were already handled.
                log.warn("requests not acknowledged, the broker will deliver them again: {}", e.getMessage());
                recover();
            }
        }
    }

    /**
     * Handles the batch and sends its replies. False when the handler failed on a batch of more
     * than one message: which of them failed is not known, so none is answered. A message that
     * fails alone is answered with an error and rejected, which makes the broker move it to its
     * dead letters instead of handing it out again to fail the same way.
     */
    private boolean handleBatch(List<Message> batch, boolean clearsFault) throws JMSException {
        List<Incoming> incoming = new ArrayList<>(batch.size());
        for (Message message : batch) {
            incoming.add(read(message));
        }
        List<Reply> replies;
        try {
            replies = handler.handle(incoming);
            if (clearsFault) {
                fault = null;
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            if (batch.size() > 1) {
                return false;
            }
            replies = List.of(refuse(batch.get(0), e));
        }
        for (int i = 0; i < batch.size(); i++) {
            if (replies.get(i) instanceof Reply.Send send) {
                sendReply(batch.get(i), send.json());
            }
        }
        return true;
    }

    /** The AMQP outcome of an acknowledgement, as Qpid JMS takes it on a received message. */
    private static final String ACK_TYPE = "JMS_AMQP_ACK_TYPE";
    /** "Rejected": the broker moves the message to its dead letters. */
    private static final int REJECTED = 2;
    /** "Modified, delivery failed": the broker hands it out again later, up to its delivery attempts, then dead-letters it. */
    private static final int MODIFIED_FAILED = 4;

    /**
     * A request the worker cannot handle, answered with an error. One that hit a bug
     * ({@code RuntimeException}) fails the same way each time: it is rejected into the broker's
     * dead letters at once. One that ran the worker out of memory or stack may have been the
     * victim of something else: it is handed out again later, until the broker's delivery
     * attempts are spent (10 in broker.xml), and only then dead-lettered.
     */
    private Reply refuse(Message request, Throwable why) throws JMSException {
        String what = why.getClass().getSimpleName();
        boolean bug = why instanceof RuntimeException;
        fault = "request " + request.getJMSMessageID() + " could not be handled (" + what + ")"
                + (bug ? " and went to " + Addresses.DEAD_LETTERS : "; it is tried again later, then goes to "
                + Addresses.DEAD_LETTERS) + "; this clears once a request that came after it is handled";
        if (bug) {
            log.error("request {} failed unexpectedly; it goes to {}", request.getJMSMessageID(), Addresses.DEAD_LETTERS, why);
        } else {
            log.error("request {} could not be handled ({}); it is handed out again later, up to the broker's delivery"
                    + " attempts, then goes to {}", request.getJMSMessageID(), what, Addresses.DEAD_LETTERS);
        }
        request.setIntProperty(ACK_TYPE, bug ? REJECTED : MODIFIED_FAILED);
        return Reply.error(new RpcError(ErrorCode.INTERNAL_ERROR, "internal error: " + what
                + "; the request may not have been applied (list to find out); " + (bug ? "it is not run again: it is kept in "
                + Addresses.DEAD_LETTERS + " for the host's operator" : "the worker tries it again later")));
    }

    private static Incoming read(Message message) throws JMSException {
        String messageId = message.getJMSMessageID();
        // A client that sends a request again after a broker failover keeps its correlation-id (and
        // body); a redelivery keeps its message-id. Either way the request is recognised.
        String correlationId = message.getJMSCorrelationID();
        Optional<String> identity = correlationId != null ? Optional.of("corr:" + correlationId)
                : Optional.ofNullable(messageId).map(id -> "msg:" + id);
        try {
            return new Incoming.Readable(body(message, JsonRpc.MAX_BODY_BYTES), identity);
        } catch (NotText e) {
            return new Incoming.Unreadable(new RpcError(ErrorCode.PARSE_ERROR, "parse error: " + e.getMessage()));
        }
    }

    /** Why a body cannot be read; answered with a parse error. */
    static final class NotText extends Exception {
        NotText(String message) {
            super(message, null, false, false);
        }
    }

    /** A JSON-RPC body from a message: an AMQP string (TextMessage) or data section (BytesMessage). */
    static String body(Message message, int maxBytes) throws JMSException, NotText {
        if (message instanceof TextMessage text) {
            String body = text.getText();
            if (body == null) {
                throw new NotText("message body is empty");
            }
            return body;
        }
        if (message instanceof BytesMessage bytes) {
            long length = bytes.getBodyLength();
            if (length > maxBytes) {
                throw new NotText("message body is larger than " + maxBytes + " bytes of UTF-8");
            }
            byte[] data = new byte[(int) length];
            bytes.readBytes(data);
            try {
                return Text.decodeUtf8Strictly(data);
            } catch (CharacterCodingException e) {
                throw new NotText("message body is not valid UTF-8");
            }
        }
        throw new NotText("message body must be UTF-8 JSON text in an AMQP data section or string value, not "
                + message.getClass().getSimpleName().replace("Jms", "").replace("Facade", ""));
    }

    /**
     * Sends one reply. A failure is this reply's alone: thrown on, it would skip the batch's
     * acknowledgement and have the broker deliver every request of the batch again.
     */
    private void sendReply(Message request, String reply) {
        try {
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
            // Replies go to a temporary queue as a rule, which does not outlive its client, so
            // persisting them buys nothing; the change they report is already durable in H2.
            replies.send(replyTo, response, DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, 0);
        } catch (JMSException e) {
            log.warn("a reply could not be sent (the client may be gone): {}", e.getMessage());
        }
    }

    private void recover() {
        try {
            session.recover();
        } catch (JMSException e) {
            log.warn("recovering the request session failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        // The batch in hand finishes, replies included, before anything it uses is closed.
        thread.join(5000);
        if (thread.isAlive()) {
            log.info("waiting for the batch in hand to finish");
            thread.join(60_000);
        }
        // The links, not the sessions: the sessions end with the connection, which its owner closes
        // next. Artemis answers the End of a connection's second session only seconds later, so
        // closing the sessions one by one would make every clean stop wait for it.
        closeQuietly(consumer);
        closeQuietly(replies);
    }

    private static void closeQuietly(AutoCloseable link) {
        try {
            link.close();
        } catch (Exception e) {
            log.debug("closing a link: {}", e.getMessage());
        }
    }
}
