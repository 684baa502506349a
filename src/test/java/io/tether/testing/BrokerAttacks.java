package io.tether.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.util.List;
import java.util.Locale;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * The attacks of docs/operations.md's threat model, as one identity at a time would try them
 * against a broker that serves the worker of {@code hostId}: each must fail at the attacker with a
 * security error, and the worker must go on serving its legitimate engine. Used against the
 * embedded broker and a standalone one, which run the same broker-config/broker.xml.
 *
 * @param url       the broker, without a login
 * @param engine    an engine's login
 * @param host      the login of {@code hostId}'s worker
 * @param hostId    a host whose worker is running on this broker
 * @param otherHost another host id (configured or not: either way {@code host} may not touch it)
 */
public record BrokerAttacks(String url, BrokerCredentials engine, BrokerCredentials host, String hostId, String otherHost) {

    /** Every attack below, then the legitimate flow: {@code requests} answered requests. */
    public void allRefusedAndTheWorkerGoesOn(int requests) throws Exception {
        anonymousAndWrongLoginsAreRefused();
        engineCannotReadOrDivertRequests();
        onlyTheHostConsumesItsRequests();
        nobodySendsToDeadLetters();
        hostPublishesOnlyItsOwnEvents();
        engineStaysInItsLane();
        engineStillGetsAnswers(requests);
    }

    /** Logs in (or not, with null) and waits for each send, so a refusal reaches the caller. */
    public Connection connect(BrokerCredentials login) throws JMSException {
        JmsConnectionFactory factory = login == null ? new JmsConnectionFactory(url)
                : new JmsConnectionFactory(login.user(), login.password(), url);
        factory.setForceSyncSend(true);
        Connection connection = factory.createConnection();
        connection.start();
        return connection;
    }

    /** Asserts that {@code attempt} fails with the broker's security refusal, and returns its message. */
    public static String refused(String what, Executable attempt) {
        JMSException e = assertThrows(JMSException.class, attempt, what + " must be refused");
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        assertTrue(e instanceof JMSSecurityException || message.contains("permission") || message.contains("unauthorized")
                || message.contains("not authorized") || message.contains("security"),
                what + " failed, but not as a refusal: " + e);
        return e.getMessage();
    }

    /**
     * Asserts that {@code attempt} fails, refused or for want of what it names (a queue that the
     * broker does not make on a consumer's say-so: {@code amqp:not-found}).
     */
    public static void refusedOrMissing(String what, Executable attempt) {
        JMSException e = assertThrows(JMSException.class, attempt, what + " must fail");
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        assertTrue(e instanceof JMSSecurityException || e instanceof jakarta.jms.InvalidDestinationException
                || message.contains("does not exist") || message.contains("not-found"), what + " failed, but not as refused: " + e);
    }

    /** Attack 1: no login, or a wrong one, gets nothing: not even a connection. */
    public void anonymousAndWrongLoginsAreRefused() {
        refused("anonymous login", () -> connect(null).close());
        refused("wrong password", () -> connect(new BrokerCredentials(engine.user(), engine.password() + "x")).close());
        refused("unknown user", () -> connect(new BrokerCredentials("nobody", "x")).close());
        refused("the worker's user with the engine's password", () -> connect(new BrokerCredentials(host.user(), engine.password())).close());
    }

    /**
     * Attacks 1 and 5: an engine may send requests but never read a host's requests, not even
     * through a queue of its own on the request address (which would take half of the host's
     * requests away from it, for good while the worker is down).
     */
    public void engineCannotReadOrDivertRequests() throws Exception {
        try (Connection c = connect(engine)) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            refused("engine consuming a request queue", () -> s.createConsumer(s.createQueue(requests(hostId))));
            // Refused, or not made at all: the broker makes no queue on a consumer's say-so.
            refusedOrMissing("engine making a queue of its own on a request address",
                    () -> s.createConsumer(s.createQueue(requests(hostId) + "::spy")));
            refused("engine browsing a request queue", () -> s.createBrowser(s.createQueue(requests(hostId))).getEnumeration().hasMoreElements());
        }
    }

    /** Attack 1: a second consumer of the request queue needs the host's own login. */
    public void onlyTheHostConsumesItsRequests() throws Exception {
        try (Connection c = connect(host)) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            refused("host consuming another host's requests", () -> s.createConsumer(s.createQueue(requests(otherHost))));
            refused("host sending a request to another host", () -> s.createProducer(s.createQueue(requests(otherHost)))
                    .send(s.createTextMessage("{}")));
            refused("host sending a request to itself", () -> s.createProducer(s.createQueue(requests(hostId)))
                    .send(s.createTextMessage("{}")));
            // A host sees engines' reply queues in requests; it may answer there, never read there.
            try (Connection e = connect(engine)) {
                String replies = e.createSession(false, Session.AUTO_ACKNOWLEDGE).createTemporaryQueue().getQueueName();
                refused("host reading an engine's reply queue", () -> s.createConsumer(s.createQueue(replies)));
                refused("host browsing an engine's reply queue",
                        () -> s.createBrowser(s.createQueue(replies)).getEnumeration().hasMoreElements());
            }
        }
    }

    /**
     * Attack 4: nobody but the broker puts messages into DLQ or ExpiryQueue, so a forged original
     * address can never be "retried" into another host's request queue.
     */
    public void nobodySendsToDeadLetters() throws Exception {
        for (BrokerCredentials login : List.of(host, engine)) {
            try (Connection c = connect(login)) {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                for (String address : List.of("DLQ", "ExpiryQueue")) {
                    refused(login.user() + " sending to " + address, () -> {
                        TextMessage forged = s.createTextMessage("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStorageServerList\"}");
                        forged.setStringProperty("_AMQ_ORIG_ADDRESS", requests(otherHost));
                        forged.setStringProperty("_AMQ_ORIG_QUEUE", requests(otherHost));
                        s.createProducer(s.createQueue(address)).send(forged);
                    });
                    refused(login.user() + " reading " + address, () -> s.createConsumer(s.createQueue(address)));
                }
            }
        }
    }

    /**
     * Attack 6: a host publishes events only on its own status address: not as another host, not on
     * wildcard addresses that broad subscriptions would deliver, not on the broker's own addresses.
     */
    public void hostPublishesOnlyItsOwnEvents() throws Exception {
        // An engine's broad subscriptions exist first, so the wildcard addresses are there to abuse.
        try (Connection watcher = connect(engine); Connection c = connect(host)) {
            Session w = watcher.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer all = w.createConsumer(w.createTopic("tether.host.*.status"));
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            String fake = "{\"jsonrpc\":\"2.0\",\"method\":\"storageServerStatusChanged\",\"params\":{\"hostId\":\"" + otherHost + "\"}}";
            for (String address : List.of(status(otherHost), "tether.host.*.status", "tether.host.#", "tether.#", "#",
                    "activemq.notifications", "activemq.management", "anything.else")) {
                refused("host sending to " + address, () -> s.createProducer(s.createTopic(address)).send(s.createTextMessage(fake)));
            }
            assertNull(all.receive(500), "no forged event reached the engine");
            s.createProducer(s.createTopic(status(hostId))).send(s.createTextMessage("{\"own\":true}"));
            Message own = all.receive(10_000);
            assertEquals("{\"own\":true}", ((TextMessage) own).getText(), "the host's own address works");
        }
    }

    /**
     * Attack 6: an engine reads events and its own replies, and touches nothing else: no other
     * engine's reply queue, no management, no new addresses, no events in a host's name.
     */
    public void engineStaysInItsLane() throws Exception {
        try (Connection first = connect(engine); Connection second = connect(engine)) {
            Session s1 = first.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s1.createTemporaryQueue();
            MessageConsumer own = s1.createConsumer(replies);
            Session s2 = second.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue stolen = s2.createQueue(replies.getQueueName());
            // Not a permission (the same user may attach) but the queue's limit of one consumer: its maker's.
            JMSException taken = assertThrows(JMSException.class, () -> s2.createConsumer(stolen),
                    "engine attaching to another connection's reply queue must be refused");
            assertTrue(taken.getMessage().contains("Maximum Consumer Limit Reached"), taken.toString());
            refused("engine publishing an event", () -> s2.createProducer(s2.createTopic(status(hostId))).send(s2.createTextMessage("{}")));
            refused("engine creating an address", () -> s2.createProducer(s2.createQueue("engine.made.this")).send(s2.createTextMessage("{}")));
            refused("engine running a management call", () -> {
                TextMessage call = s2.createTextMessage("[]");
                call.setStringProperty("_AMQ_ResourceName", "broker");
                call.setStringProperty("_AMQ_OperationName", "getQueueNames");
                call.setJMSReplyTo(s2.createTemporaryQueue());
                s2.createProducer(s2.createQueue("activemq.management")).send(call);
            });
            refused("engine reading broker notifications", () -> s2.createConsumer(s2.createTopic("activemq.notifications")));
            s2.createProducer(replies).send(s2.createTextMessage("still mine"));
            assertEquals("still mine", ((TextMessage) own.receive(10_000)).getText(), "the reply queue still works for its owner");
        }
    }

    /** The legitimate flow still works: a request from an engine is answered by the host's worker. */
    public void engineStillGetsAnswers(int requests) throws Exception {
        try (RawClient client = new RawClient(url + (url.contains("?") ? "&" : "?") + "jms.username=" + engine.user()
                + "&jms.password=" + engine.password(), hostId)) {
            for (int i = 0; i < requests; i++) {
                JsonNode reply = client.call("getStorageServerList", "{}");
                assertTrue(reply.has("result"), "request " + i + " answered by the worker: " + reply);
            }
        }
    }

    private static String requests(String host) {
        return "tether.host." + host + ".requests";
    }

    private static String status(String host) {
        return "tether.host." + host + ".status";
    }
}
