package io.tether.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.JsonRpc;
import io.tether.console.BrokerAccess;
import io.tether.console.ConsoleServer;
import io.tether.http.HttpAddress;
import io.tether.testing.BrokerAttacks;
import io.tether.testing.Cli;
import io.tether.testing.RawAmqp;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import io.tether.worker.WorkerConfig;
import jakarta.jms.Connection;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host speaks only for itself: on one standalone broker, host h1's own login (a compromised host)
 * publishes events in h2's name, each way it can: on its own address with h2 in the body; with the
 * property that names the address lying too; and below JMS, with the AMQP {@code to} (what a
 * receiver's JMSDestination shows) set to h2's address. h2 has a real worker. The waiters of the
 * client library, the console and {@code tether watch} must each take an event as the event of the
 * host whose address it was published on, which the broker checks: h2's view never changes by
 * h1's words, nor freezes on a forged seq.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostIdentityIT {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;

    private StandaloneArtemis broker;
    private TestWorker h2;
    private TetherClient engine;
    private Connection attacker;
    private MessageProducer onH1;
    private Session attackerSession;

    @BeforeAll
    void brokerAndWorker() throws Exception {
        broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")), "h1", "h2");
        BrokerCredentials login = broker.hostLogin("h2");
        h2 = new TestWorker(WorkerConfig.external("h2", tmp.resolve("h2"), broker.url()).withFileRoots(TestWorker.FILE_ROOTS)
                .withBrokerCredentials(login.user(), login.password()));
        engine = TetherClient.connect(broker.url(), "engine", broker.engineLogin().password());
        attacker = new BrokerAttacks(broker.url(), broker.engineLogin(), broker.hostLogin("h1"), "h1", "h2")
                .connect(broker.hostLogin("h1"));
        attackerSession = attacker.createSession(false, Session.AUTO_ACKNOWLEDGE);
        onH1 = attackerSession.createProducer(attackerSession.createTopic(Addresses.status("h1")));
    }

    @AfterAll
    void stop() throws Exception {
        attacker.close();
        engine.close();
        h2.close();
        broker.close();
    }

    /**
     * h1 says, every way it can, that {@code key} of h2 is now {@code state} with an error of its own
     * words, with the seq h2's next event will have.
     */
    private void speakForH2(String key, String state) throws Exception {
        speakForH2(key, state, engine.list("h2", null, T).seq() + 1);
    }

    /**
     * The same with a seq far ahead of h2's, which would hold back h2's own events until a
     * snapshot caught up with it.
     */
    private void freezeH2(String key) throws Exception {
        speakForH2(key, "DISCONNECTED", engine.list("h2", null, T).seq() + 1_000_000);
    }

    private void speakForH2(String key, String state, long seq) throws Exception {
        String body = forged(seq, key, state);
        // On its own address, with h2 in the body: the broker lets it through, as the address is h1's.
        onH1.send(event(body, Addresses.status("h1")));
        // The property that names the address lying too: the broker drops it.
        onH1.send(event(body, Addresses.status("h2")));
        // Below JMS: h2's address as the AMQP to (a receiver's JMSDestination), on a link to h1's.
        var outcome = RawAmqp.send(port(), broker.hostLogin("h1"), Addresses.status("h1"), Addresses.status("h2"),
                Map.of("hostId", "h2", Addresses.STATUS_ADDRESS_PROPERTY, Addresses.status("h2")), body);
        assertTrue(outcome instanceof Accepted, "the broker took the raw message on h1's own address: " + outcome);
    }

    private TextMessage event(String body, String statusAddress) throws Exception {
        TextMessage message = attackerSession.createTextMessage(body);
        message.setStringProperty("hostId", "h2");
        message.setStringProperty(Addresses.STATUS_ADDRESS_PROPERTY, statusAddress);
        return message;
    }

    private static String forged(long seq, String key, String state) {
        ObjectNode params = JsonRpc.MAPPER.createObjectNode().put("hostId", "h2").put("seq", seq)
                .put("at", "2026-01-01T00:00:00Z").put("connectionKey", key).put("state", state)
                .put("connected", state.equals("CONNECTED")).put("change", "STATE").put("connectionIdCount", 1);
        params.putArray("changedIds");
        params.putObject("lastError").put("code", 477).put("name", "Forged").put("message", "forged by h1");
        ObjectNode note = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", "storageServerStatusChanged");
        note.set("params", params);
        return JsonRpc.write(note);
    }

    private int port() {
        return Integer.parseInt(broker.url().replaceAll(".*:", ""));
    }

    @Test
    void waitersTakeEachEventFromTheHostWhoseAddressItCameThrough() throws Exception {
        Path missing = tmp.resolve("never-there");
        engine.manage("h2", "wait-1", "file://" + missing, T);
        await().atMost(T).until(() -> engine.list("h2", "wait-1", T).connections().get("wait-1").lastError() != null);
        String key = engine.list("h2", "wait-1", T).connections().get("wait-1").connectionKey();
        long refusedBefore = engine.refusedEvents();

        // While a wait on two hosts runs (h1's worker is not running: it does not answer), h1 keeps
        // saying that h2's connection is CONNECTED.
        // A flag, not the interrupt alone, ends it: a JMS call that an interrupt cuts short throws
        // its own exception and clears the thread's interrupt status.
        AtomicBoolean speaking = new AtomicBoolean(true);
        Thread speaker = new Thread(() -> {
            while (speaking.get()) {
                try {
                    speakForH2(key, "CONNECTED");
                    freezeH2(key);
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // The wait's end (the test) says what came of it.
                }
            }
        }, "h1-speaks-for-h2");
        speaker.start();
        Map<String, HostResult<TetherClient.WaitResult>> waited;
        try {
            waited = engine.awaitConnected(new LinkedHashSet<>(List.of("h1", "h2")), "wait-1", Duration.ofSeconds(8));
        } finally {
            speaking.set(false);
            speaker.interrupt();
            speaker.join(Duration.ofSeconds(60).toMillis());
        }
        assertFalse(speaker.isAlive(), "h1's speaker stopped");
        assertTrue(waited.get("h2").ok(), String.valueOf(waited.get("h2")));
        assertEquals(TetherClient.WaitOutcome.TIMEOUT, waited.get("h2").value().outcome(),
                "h2's connection never connected: only h1 said so");
        assertTrue(waited.get("h1").noAnswer(), String.valueOf(waited.get("h1")));
        assertTrue(engine.refusedEvents() > refusedBefore, "h1's events in h2's name were seen and refused");
    }

    @Test
    void theConsoleShowsEachHostAsItsOwnEventsSay() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("console-a"));
        Path b = Files.createDirectories(tmp.resolve("console-b"));
        List<TetherClient> consoleClients = new CopyOnWriteArrayList<>();
        BrokerAccess access = new BrokerAccess() {
            @Override
            public TetherClient connect() throws Exception {
                TetherClient client = TetherClient.connect(broker.url(), "engine", broker.engineLogin().password());
                consoleClients.add(client);
                return client;
            }

            @Override
            public String describe(Exception e) {
                return String.valueOf(e.getMessage());
            }
        };
        // Refresh and retry far away: what the page shows comes from events, not from lists that would mend it.
        try (ConsoleServer console = ConsoleServer.start(new ConsoleServer.Settings(new HttpAddress("127.0.0.1", 0), List.of(),
                T, Duration.ofHours(1), Duration.ofHours(1)), access)) {
            HttpClient http = HttpClient.newHttpClient();
            String fleetUrl = "http://127.0.0.1:" + console.port() + "/api/fleet";
            await().atMost(T).until(() -> fleet(http, fleetUrl).at("/broker/up").asBoolean());
            engine.manage("h2", "console-a", "file://" + a, T);
            String keyA = "file://" + a;
            await().atMost(T).until(() -> "CONNECTED".equals(fleet(http, fleetUrl).at("/hosts/h2/connections").path(keyA)
                    .path("state").asText()));

            // h1 says A is down; then h2's own next change (B) shows, and A is as h2 says.
            speakForH2(keyA, "DISCONNECTED");
            engine.manage("h2", "console-b", "file://" + b, T);
            String keyB = "file://" + b;
            await().atMost(T).until(() -> "CONNECTED".equals(fleet(http, fleetUrl).at("/hosts/h2/connections").path(keyB)
                    .path("state").asText()));
            JsonNode shownA = fleet(http, fleetUrl).at("/hosts/h2/connections").path(keyA);
            assertEquals("CONNECTED", shownA.path("state").asText(), "h1's words changed nothing of h2: " + shownA);
            assertTrue(shownA.path("lastError").isNull(), shownA.toString());

            // h1 sends h2's seq far ahead; h2's own next change (C) still shows at once, with no list
            // to mend a frozen row (the console lists again only every hour here).
            freezeH2(keyA);
            Path c = Files.createDirectories(tmp.resolve("console-c"));
            engine.manage("h2", "console-c", "file://" + c, T);
            await().atMost(T).until(() -> "CONNECTED".equals(fleet(http, fleetUrl).at("/hosts/h2/connections")
                    .path("file://" + c).path("state").asText()));

            JsonNode fleet = fleet(http, fleetUrl);
            assertEquals("CONNECTED", fleet.at("/hosts/h2/connections").path(keyA).path("state").asText());
            List<String> hosts = new java.util.ArrayList<>();
            fleet.path("hosts").fieldNames().forEachRemaining(hosts::add);
            assertEquals(List.of("h2"), hosts, "speaking for h2 did not make h1 a host of the page either");
            assertTrue(consoleClients.stream().mapToLong(TetherClient::refusedEvents).sum() >= 2,
                    "the console's client refused h1's events in h2's name");
        }
    }

    private static JsonNode fleet(HttpClient http, String url) throws Exception {
        return JsonRpc.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void watchPrintsEachHostsOwnEventsOnly() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("watched"));
        Path password = Files.writeString(tmp.resolve("engine.password"), broker.engineLogin().password() + "\n");
        Path out = tmp.resolve("watch.out");
        Path err = tmp.resolve("watch.err");
        Process watch = Cli.command(List.of("watch", "--broker", broker.url(), "--user", "engine", "--password-file",
                password.toString())).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(err) && Files.readString(err).contains("watching every host"));
            engine.manage("h2", "watched-1", "file://" + dir, T);
            String key = "file://" + dir;
            await().atMost(T).until(() -> Files.readString(out).contains(key + " changed=[\"watched-1\"] cids=1"));

            speakForH2(key, "DISCONNECTED");
            freezeH2(key);
            engine.manage("h2", "watched-2", "file://" + dir, T);
            await().atMost(T).until(() -> Files.readString(out).contains("\"watched-2\""));

            String shown = Files.readString(out);
            assertFalse(shown.contains("forged by h1"), shown);
            assertFalse(shown.contains(" h1 "), "no line is h1's either: " + shown);
            assertTrue(Files.readString(err).contains("host h1 published an event in the name of host h2"), Files.readString(err));
        } finally {
            watch.destroy();
            watch.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
