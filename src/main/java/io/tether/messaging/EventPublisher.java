package io.tether.messaging;

import io.tether.amqp.Addresses;
import io.tether.amqp.Jms;
import io.tether.metrics.Meters;
import io.tether.store.OutboxEvent;
import io.tether.store.Store;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the event outbox to the host's status topic in seq order, then trims it. Events are
 * written to the outbox in the transaction of their change, so an event is published at least
 * once even across a crash; a subscriber drops a seq it has already seen.
 */
public final class EventPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
    private static final int BATCH = 500;
    /** Published events are deleted from the outbox once this many have gathered, or this often. */
    private static final int TRIM_EVERY = 1000;
    private static final long TRIM_AFTER_NANOS = 1_000_000_000L;

    private final Store store;
    private final String hostId;
    /** The host's status address, which every event names (Addresses.STATUS_ADDRESS_PROPERTY). */
    private final String topic;
    private final Session session;
    private final MessageProducer producer;
    private final Thread thread;
    private final Meters.Events meters;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean pending = true;
    private volatile boolean running = true;
    /** Publishing rounds that failed in a row: how long the next retry waits ({@link Jms#BROKER_RETRY}). */
    private int brokerFailures;
    private long published;
    /** Outbox rows up to this seq are deleted. */
    private long trimmed;
    private long lastTrim = System.nanoTime();

    public EventPublisher(Connection connection, String topic, String hostId, Store store) throws JMSException {
        this(connection, topic, hostId, store, Meters.Events.NONE);
    }

    /** @param meters told of each event published, and how far the outbox has been published */
    public EventPublisher(Connection connection, String topic, String hostId, Store store, Meters.Events meters)
            throws JMSException {
        this.store = store;
        this.meters = meters;
        // Everything before the outbox's oldest event was published by an earlier run: so the
        // number of events waiting is right from the start.
        List<OutboxEvent> oldest = store.pendingEvents(0, 1);
        published = oldest.isEmpty() ? store.lastSeq() : oldest.get(0).seq() - 1;
        meters.publishedUpTo(published);
        this.hostId = hostId;
        this.topic = topic;
        // Transacted: a batch of events costs one round trip to the broker, not one per event.
        this.session = connection.createSession(true, Session.SESSION_TRANSACTED);
        this.producer = session.createProducer(session.createTopic(topic));
        this.producer.setDeliveryMode(DeliveryMode.PERSISTENT);
        this.thread = new Thread(this::run, "tether-events");
    }

    public void start() {
        thread.start();
    }

    /** Whether its thread runs (false before {@link #start()} and after {@link #close()}). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Called after a commit that wrote events. */
    public void wake() {
        lock.lock();
        try {
            pending = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running) {
            boolean idle = false;
            lock.lock();
            try {
                while (!pending && running && !idle) {
                    if (published > trimmed) {
                        idle = !wake.await(1, TimeUnit.SECONDS) && !pending;
                    } else {
                        // Nothing to trim: an idle worker's publisher sleeps until a commit wakes it.
                        wake.await();
                    }
                }
                pending = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                publishPending();
                if (idle) {
                    trim(); // quiet for a second: a good moment
                }
                brokerFailures = 0;
            } catch (JMSException | RuntimeException e) {
                log.warn("publishing status events failed, retrying: {}", e.getMessage());
                pending = true;
                if (!Jms.pauseBeforeRetry(Jms.BROKER_RETRY, ++brokerFailures)) {
                    running = false;
                }
            }
        }
    }

    private void publishPending() throws JMSException {
        while (running) {
            List<OutboxEvent> events = store.pendingEvents(published, BATCH);
            if (events.isEmpty()) {
                return;
            }
            List<String> changes = new ArrayList<>(events.size());
            try {
                for (OutboxEvent event : events) {
                    producer.send(toMessage(event, changes));
                }
                session.commit();
            } catch (JMSException e) {
                session.rollback();
                throw e;
            }
            published = events.get(events.size() - 1).seq();
            changes.forEach(meters::published);
            meters.publishedUpTo(published);
            if (published - trimmed >= TRIM_EVERY || System.nanoTime() - lastTrim > TRIM_AFTER_NANOS) {
                trim();
            }
        }
    }

    /**
     * Deletes published events from the outbox. Not after every batch: each delete is a database
     * commit of its own, competing with the requests' commits. Until then a crash can only cause
     * published events (at most about a second's worth) to be published again, which subscribers
     * already expect: they drop seqs they have seen.
     */
    private void trim() {
        if (published > trimmed) {
            store.deletePublished(published);
            trimmed = published;
        }
        lastTrim = System.nanoTime();
    }

    /** The event as a message; adds its change to {@code changes}. */
    private Message toMessage(OutboxEvent event, List<String> changes) throws JMSException {
        TextMessage message = session.createTextMessage(event.body());
        changes.add(event.change());
        // Application properties let subscribers filter with selectors (docs/protocol.md section 5).
        message.setStringProperty("hostId", hostId);
        // The address it is published on, for the broker to check (Addresses.OWN_ADDRESS_SELECTOR):
        // a subscriber then knows which host an event comes from whatever its body claims.
        message.setStringProperty(Addresses.STATUS_ADDRESS_PROPERTY, topic);
        message.setStringProperty("state", event.state());
        message.setStringProperty("change", event.change());
        message.setLongProperty("seq", event.seq());
        return message;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        wake();
        thread.join(5000);
        try {
            trim();
        } catch (RuntimeException e) {
            log.debug("trimming the outbox at close: {}", e.getMessage());
        }
        try {
            session.close();
        } catch (JMSException e) {
            log.debug("closing event session: {}", e.getMessage());
        }
    }
}
