package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Results;
import io.tether.client.TetherClient;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many hosts on one standalone Artemis (a separate process, configured from broker-config/): two
 * workers and an engine, per-host security, and a broker restart in the middle of the traffic.
 */
class StandaloneBrokerIT {
    @TempDir
    Path tmp;

    private static TestWorker worker(Path dir, String host, String url) throws Exception {
        return new TestWorker(WorkerConfig.external(host, dir.resolve(host), url)
                .withBrokerCredentials("host-" + host, host + "-secret"));
    }

    @Test
    void twoHostsOneEngineSecurityAndARestart() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")));
             TestWorker h1 = worker(tmp, "h1", broker.url());
             TestWorker h2 = worker(tmp, "h2", broker.url());
             TetherClient engine = TetherClient.connect("failover:(" + broker.url() + ")?failover.maxReconnectAttempts=-1",
                     "engine", "engine-secret")) {
            List<JsonNode> events = new CopyOnWriteArrayList<>();
            engine.watch(null, events::add);
            Duration t = Duration.ofSeconds(20);

            // Requests reach only their host.
            engine.manage("h1", "on-h1", "file://" + storage, t);
            engine.manage("h2", "on-h2", "file://" + storage, t);
            Results.StorageServerList list1 = engine.list("h1", null, t);
            assertTrue(list1.connections().containsKey("on-h1"));
            assertFalse(list1.connections().containsKey("on-h2"));
            assertFalse(engine.list("h2", null, t).connections().containsKey("on-h1"));
            // Each host's events reach the engine subscribed to all hosts.
            await().atMost(t).until(() -> events.stream().anyMatch(e -> e.get("hostId").asText().equals("h1"))
                    && events.stream().anyMatch(e -> e.get("hostId").asText().equals("h2")));

            // host-h1 may not read h2's requests nor publish as h2.
            try (Connection h1Login = new JmsConnectionFactory("host-h1", "h1-secret", broker.url() + "?jms.forceSyncSend=true")
                    .createConnection()) {
                Session session = h1Login.createSession(false, Session.AUTO_ACKNOWLEDGE);
                assertThrows(JMSSecurityException.class, () -> session.createConsumer(session.createQueue("tether.host.h2.requests")));
                JMSException publish = assertThrows(JMSException.class, () -> session.createProducer(session.createTopic("tether.host.h2.status"))
                        .send(session.createTextMessage("{}")));
                assertTrue(publish instanceof JMSSecurityException || publish.getMessage().toLowerCase().contains("permission")
                        || publish.getMessage().toLowerCase().contains("unauthorized"), publish.toString());
            }
            assertThrows(JMSException.class, () -> new JmsConnectionFactory("nobody", "x", broker.url()).createConnection().start());

            // The broker restarts; requests sent while it is down wait in the engine's failover
            // connection, and the workers, reconnecting by themselves, process every one.
            broker.stop();
            List<CompletableFuture<Results.Managed>> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String cid = "during-restart-" + i;
                String host = i % 2 == 0 ? "h1" : "h2";
                sent.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return engine.manage(host, cid, "file://" + storage, Duration.ofSeconds(120));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            broker.start();
            for (CompletableFuture<Results.Managed> reply : sent) {
                assertFalse(reply.get().alreadyManaged());
            }
            Results.StorageServerList after1 = engine.list("h1", "during-restart-", t);
            Results.StorageServerList after2 = engine.list("h2", "during-restart-", t);
            assertEquals(5, after1.connections().size());
            assertEquals(5, after2.connections().size());
            assertTrue(engine.list("h1", null, t).connections().containsKey("on-h1"), "nothing lost across the restart");
        }
    }
}
