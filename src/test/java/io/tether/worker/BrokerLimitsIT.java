package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.ErrorCode;
import io.tether.broker.EmbeddedBroker;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import io.tether.testing.BrokerAttacks;
import io.tether.testing.Host;
import io.tether.testing.Http;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.testing.servers.StandaloneArtemis;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.jms.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the broker itself holds to, on the worker's embedded broker and on a standalone one (both run
 * broker-config/broker.xml):
 * <ul>
 *   <li>no queue an engine makes can take the name of a host's request queue, not even of a host
 *       added later: a durable subscription's name cannot be one (its dots are escaped), and a
 *       queue named in a consumer's address ({@code status::tether.host.X.requests}) is never made;
 *       the later host's queue then works;
 *   <li>a request too big for a worker (100 MB) never reaches it: the bundled client refuses it
 *       before sending, and one sent anyway goes straight to DLQ, while the worker stays ready and
 *       answers the next request, and one just under the limit still reaches it.
 * </ul>
 */
class BrokerLimitsIT {
    private static final Duration T = Duration.ofSeconds(30);
    /** The request that a worker's heap could not take. */
    private static final int HUGE = 100 * 1024 * 1024;

    @TempDir
    Path tmp;

    /**
     * As an engine, with durable subscriptions on {@code own}'s status address whose queue names
     * would be {@code later}'s request queue: they are made, under other names.
     */
    private static void subscriptionsNamedAfter(String later, String url, BrokerCredentials engine, String own) throws Exception {
        Connection connection = new JmsConnectionFactory(engine.user(), engine.password(), url).createConnection();
        try {
            // The queue of a durable subscription is named from the client id and the subscription name.
            connection.setClientID("tether.host." + later);
            connection.start();
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Topic status = s.createTopic(Addresses.status(own));
            s.createDurableSubscriber(status, "requests").close();
            s.createSharedDurableConsumer(status, Addresses.requests(later)).close();
        } finally {
            connection.close();
        }
    }

    /** As an engine, names {@code later}'s request queue in a receiver's address on {@code own}'s status: refused. */
    private static void queuesNamedInTheAddress(String later, String url, BrokerCredentials engine, String own) throws Exception {
        try (Connection connection = new JmsConnectionFactory(engine.user(), engine.password(), url).createConnection()) {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            String named = Addresses.status(own) + "::" + Addresses.requests(later);
            BrokerAttacks.refusedOrMissing("a subscription queue named in the address", () -> s.createConsumer(s.createTopic(named)));
            BrokerAttacks.refusedOrMissing("a queue named in the address", () -> s.createConsumer(s.createQueue(named)));
        }
    }

    /** A request well over the limit, sent by a plain JMS client (engine login) to {@code host}. */
    private static void sendHuge(String url, BrokerCredentials engine, String host) throws Exception {
        JmsConnectionFactory factory = new JmsConnectionFactory(engine.user(), engine.password(), url);
        factory.setForceSyncSend(true);
        try (Connection connection = factory.createConnection()) {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage huge = s.createTextMessage("{\"jsonrpc\":\"2.0\",\"id\":\"huge\",\"method\":\"getStorageServerList\","
                    + "\"params\":{\"connectionIdPrefix\":\"" + "x".repeat(HUGE) + "\"}}");
            huge.setJMSReplyTo(s.createTemporaryQueue());
            // The broker takes it: it is not refused at the send, but where it goes.
            s.createProducer(s.createQueue(Addresses.requests(host))).send(huge);
        }
    }

    /** Waits for DLQ to hold a message that was sent to {@code host}'s request queue. */
    private static void awaitInDeadLetters(String url, BrokerCredentials admin, String host) throws Exception {
        try (Connection connection = new JmsConnectionFactory(admin.user(), admin.password(), url).createConnection()) {
            connection.start();
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            await().atMost(T).until(() -> {
                QueueBrowser browser = s.createBrowser(s.createQueue(Addresses.DEAD_LETTERS),
                        "_AMQ_ORIG_ADDRESS = '" + Addresses.requests(host) + "'");
                try {
                    return Collections.list(browser.getEnumeration()).size() == 1;
                } finally {
                    browser.close();
                }
            });
        }
    }

    /** The bundled client refuses the request outright, saying why, and sends nothing. */
    private static void clientRefusesBeforeSending(TetherClient engine, String host) {
        RpcException refused = assertThrows(RpcException.class, () -> engine.call(host, "getStorageServerList",
                Map.of("connectionIdPrefix", "x".repeat(2 * 1024 * 1024)), T));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), refused.code());
        assertTrue(refused.getMessage().contains("over the 1048576 a worker takes; nothing was sent"), refused.getMessage());
    }

    /** A request of just under 1 MiB is the worker's: it answers it (with an error about the prefix, or a list). */
    private static void justUnderTheLimitIsAnswered(RawClient client) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"method\":\"getStorageServerList\",\"params\":{\"connectionIdPrefix\":\""
                + "y".repeat(1024 * 1024 - 200) + "\"}}";
        assertNotNull(client.send(body, T.toMillis()), "a request under 1 MiB reaches the worker");
    }

    /** A host renamed: the same data dir and broker journal serve {@code later} after {@code before}. */
    @Test
    void embeddedBrokerQueueNames() throws Exception {
        Path data = tmp.resolve("names");
        int port = TestWorker.freePort();
        Path out = tmp.resolve("names.out");
        String url = "amqp://127.0.0.1:" + port;
        try (WorkerProcess e1 = new WorkerProcess("e1", data, port, out).start()) {
            subscriptionsNamedAfter("e8", url, engineLogin(data), "e1");
            e1.terminate();
        }
        try (WorkerProcess e8 = new WorkerProcess("e8", data, port, out).start()) {
            laterHostWorks(url, data, "e8");
            queuesNamedInTheAddress("e9", url, engineLogin(data), "e8");
            e8.terminate();
        }
        try (WorkerProcess e9 = new WorkerProcess("e9", data, port, out).start()) {
            laterHostWorks(url, data, "e9");
        }
    }

    private void laterHostWorks(String url, Path data, String host) throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage-" + host));
        try (TetherClient engine = TetherClient.connect(url, BrokerCredentials.fromFile(data.resolve(EmbeddedBroker.ENGINE_LOGIN)))) {
            // The data dir is the earlier host's too: its database keeps that host's CIDs.
            assertFalse(engine.manage(host, "later-" + host, "file://" + storage, T).alreadyManaged());
            assertTrue(engine.list(host, null, T).connections().containsKey("later-" + host));
        }
    }

    @Test
    void embeddedBrokerOversizeRequest() throws Exception {
        Path data = tmp.resolve("size");
        int port = TestWorker.freePort();
        int httpPort = TestWorker.freePort();
        String url = "amqp://127.0.0.1:" + port;
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        try (WorkerProcess big = new WorkerProcess("big", data, port, tmp.resolve("size.out"))
                     .with("--http-address", "127.0.0.1:" + httpPort).start();
             TetherClient engine = TetherClient.connect(url, BrokerCredentials.fromFile(data.resolve(EmbeddedBroker.ENGINE_LOGIN)));
             RawClient client = new RawClient(TestWorker.engineUrl(port, data), "big")) {
            engine.manage("big", "before-1", "file://" + storage, T);
            clientRefusesBeforeSending(engine, "big");
            sendHuge(url, engineLogin(data), "big");
            awaitInDeadLetters(url, BrokerCredentials.read(data.resolve(EmbeddedBroker.ADMIN_LOGIN)), "big");
            assertTrue(big.isAlive());
            assertEquals(200, Http.get("http://127.0.0.1:" + httpPort + "/readyz").statusCode());
            assertTrue(engine.list("big", null, T).connections().containsKey("before-1"), "the worker answers the next request");
            justUnderTheLimitIsAnswered(client);
        }
    }

    @Test
    void standaloneBroker() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")), "s1");
             TestWorker s1 = worker(broker, "s1");
             TetherClient engine = TetherClient.connect(broker.url(), "engine", broker.engineLogin().password());
             RawClient client = new RawClient(broker.url() + "?jms.username=engine&jms.password="
                     + broker.engineLogin().password(), "s1")) {
            // A request too big for the worker.
            engine.manage("s1", "before-1", "file://" + storage, T);
            clientRefusesBeforeSending(engine, "s1");
            sendHuge(broker.url(), broker.engineLogin(), "s1");
            awaitInDeadLetters(broker.url(), broker.adminLogin(), "s1");
            assertEquals(200, Http.get(s1.httpUrl() + "/readyz").statusCode(), "the worker stays ready");
            assertTrue(engine.list("s1", null, T).connections().containsKey("before-1"), "the worker answers the next request");
            justUnderTheLimitIsAnswered(client);

            // Hosts added after an engine tried to take their queues' names; the broker reloads by itself.
            subscriptionsNamedAfter("s8", broker.url(), broker.engineLogin(), "s1");
            laterHostWorks(broker, engine, "s8", storage);
            queuesNamedInTheAddress("s9", broker.url(), broker.engineLogin(), "s1");
            laterHostWorks(broker, engine, "s9", storage);
        }
    }

    private static void laterHostWorks(StandaloneArtemis broker, TetherClient engine, String host, Path storage) throws Exception {
        Host.ok(120, "bash", "broker-config/add-host.sh", broker.instance().toString(), host);
        await().atMost(Duration.ofSeconds(60)).until(() -> queueExists(engine, host));
        try (TestWorker worker = worker(broker, host)) {
            assertFalse(engine.manage(host, "later-1", "file://" + storage, T).alreadyManaged());
            assertTrue(engine.list(host, null, T).connections().containsKey("later-1"));
        }
    }

    private static TestWorker worker(StandaloneArtemis broker, String host) throws Exception {
        BrokerCredentials login = broker.hostLogin(host);
        return new TestWorker(TestWorker.withHttp(WorkerConfig.external(host, broker.instance().resolveSibling(host), broker.url())
                .withFileRoots(TestWorker.FILE_ROOTS)
                .withBrokerCredentials(login.user(), login.password())));
    }

    /**
     * Whether the broker has {@code host}'s request address: a request is then taken (and waits,
     * as no worker runs), not refused. The refusal comes back asynchronously, so the wait must be
     * long enough for it to arrive on a busy machine, or a missing address would look present.
     */
    private static boolean queueExists(TetherClient engine, String host) throws Exception {
        try {
            engine.call(host, "getStorageServerList", Map.of(), Duration.ofSeconds(10));
            return true;
        } catch (TimeoutException e) {
            return true;
        } catch (JMSException e) {
            // Refused (a security error before the reload) or "does not exist" (while it reloads).
            return false;
        }
    }

    private static BrokerCredentials engineLogin(Path data) throws Exception {
        return BrokerCredentials.read(data.resolve(EmbeddedBroker.ENGINE_LOGIN));
    }
}
