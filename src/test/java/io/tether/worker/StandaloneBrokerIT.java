package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.Results;
import io.tether.client.TetherClient;
import io.tether.testing.BrokerAttacks;
import io.tether.testing.Host;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import jakarta.jms.Connection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many hosts on one standalone Artemis (a separate process, set up as docs/operations.md says):
 * two workers and an engine, the threat model's attacks refused, the setup's own promises (admin
 * password kept, hashed users, private files, TLS, loopback-only plain AMQP), and a broker restart
 * in the middle of the traffic.
 */
class StandaloneBrokerIT {
    @TempDir
    Path tmp;

    private static TestWorker worker(Path dir, String host, StandaloneArtemis broker) throws Exception {
        BrokerCredentials login = broker.hostLogin(host);
        return new TestWorker(WorkerConfig.external(host, dir.resolve(host), broker.url())
                .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials(login.user(), login.password()));
    }

    @Test
    void twoHostsOneEngineSecurityAndARestart() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")), "h1", "h2");
             TestWorker h1 = worker(tmp, "h1", broker);
             TestWorker h2 = worker(tmp, "h2", broker);
             TetherClient engine = TetherClient.connect("failover:(" + broker.url() + ")?failover.maxReconnectAttempts=-1",
                     "engine", broker.engineLogin().password())) {
            List<JsonNode> events = new CopyOnWriteArrayList<>();
            engine.watchByHost(null, (host, params) -> events.add(params));
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

            // The threat model's attacks, as host h1 (against h2) and as an engine.
            BrokerAttacks attacks = new BrokerAttacks(broker.url(), broker.engineLogin(), broker.hostLogin("h1"), "h1", "h2");
            attacks.allRefusedAndTheWorkerGoesOn(6);

            setupKeepsItsPromises(broker, storage);

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
            brokerFilesAreTheBrokersAlone(broker.instance());
        }
    }

    /**
     * Attack 3: the documented setup keeps the admin password given to artemis create (and admin/admin
     * does not work), stores only hashes, serves plain AMQP on loopback only and TLS to everyone, and
     * add-host.sh works on what setup made.
     */
    private static void setupKeepsItsPromises(StandaloneArtemis broker, Path storage) throws Exception {
        BrokerAttacks asAdmin = new BrokerAttacks(broker.url(), broker.adminLogin(), broker.adminLogin(), "h1", "h2");
        try (Connection admin = asAdmin.connect(broker.adminLogin())) {
            admin.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE).createBrowser(
                    admin.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE).createQueue("DLQ")).getEnumeration();
        }
        BrokerAttacks.refused("admin/admin", () -> asAdmin.connect(new BrokerCredentials("admin", "admin")).close());

        Path users = broker.instance().resolve("etc/artemis-users.properties");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)));
        String usersText = Files.readString(users);
        for (BrokerCredentials login : List.of(broker.engineLogin(), broker.hostLogin("h1"), broker.hostLogin("h2"), broker.adminLogin())) {
            assertFalse(usersText.contains(login.password()), login.user() + "'s password is stored in clear");
            assertTrue(usersText.contains(login.user() + " = ENC("), login.user() + " is stored hashed: " + usersText);
        }

        // Plain AMQP answers on loopback only; another address of this machine gets no connection.
        int plainPort = Integer.parseInt(broker.url().replaceAll(".*:", ""));
        InetAddress other = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && a.getAddress().length == 4).findFirst().orElse(null);
        if (other != null) {
            try (Socket socket = new Socket()) {
                assertThrows(java.io.IOException.class, () -> socket.connect(new InetSocketAddress(other, plainPort), 2000),
                        "plain AMQP must not answer on " + other.getHostAddress());
            }
        }

        // The TLS acceptor, with the certificate setup made (keytool), serves the same engine.
        try (TetherClient overTls = TetherClient.connect(broker.tlsUrl(), "engine", broker.engineLogin().password())) {
            assertEquals("on-h1", overTls.list("h1", "on-h1", Duration.ofSeconds(20)).connections().keySet().iterator().next());
            assertTrue(overTls.manage("h2", "over-tls", "file://" + storage, Duration.ofSeconds(20)).connectionKey().startsWith("file://"));
        }

        // VDSM's engine client: the acceptor is there, off, naming the "vdsm" JAAS domain setup added
        // (and the broker, which read login.config to log the users above in, took the file).
        String brokerXml = Files.readString(broker.instance().resolve("etc/broker.xml"));
        assertTrue(brokerXml.matches("(?s).*<!--[^>]*<acceptor name=\"vdsm-stomp\">[^<]*protocols=VDSM_STOMP;securityDomain=vdsm;"
                + "sslEnabled=true;needClientAuth=true;[^<]*</acceptor>\\s*-->.*"), "the VDSM STOMP acceptor, commented out");
        String logins = Files.readString(broker.instance().resolve("etc/login.config"));
        assertTrue(logins.matches("(?s).*\\nvdsm \\{\\s*org\\.apache\\.activemq\\.artemis\\.spi\\.core\\.security\\.jaas\\.GuestLoginModule"
                + " required\\s*org\\.apache\\.activemq\\.jaas\\.guest\\.user=\"vdsm-engine\"\\s*"
                + "org\\.apache\\.activemq\\.jaas\\.guest\\.role=\"vdsm-engine\";\\s*};.*"), logins);
        Host.ok(120, "bash", "broker-config/setup-broker.sh", broker.instance().toString());
        assertEquals(logins, Files.readString(broker.instance().resolve("etc/login.config")), "added once");

        // add-host.sh on what setup made: a configured host is refused, a new one is added.
        Host.Ran again = Host.run(120, "bash", "broker-config/add-host.sh", broker.instance().toString(), "h1");
        assertEquals(1, again.exit(), again.output());
        assertTrue(again.output().contains("already configured"), again.output());
        Host.ok(120, "bash", "broker-config/add-host.sh", broker.instance().toString(), "h3");
        assertTrue(Files.readString(broker.instance().resolve("etc/broker.xml")).contains("tether.host.h3.requests"));
        assertTrue(Files.exists(broker.hostPasswordFile("h3")));
    }

    /** The journal and the credentials are readable by the broker's user only (umask from setup). */
    private static void brokerFilesAreTheBrokersAlone(Path instance) throws Exception {
        for (String dir : List.of("data", "etc", "credentials")) {
            try (Stream<Path> files = Files.walk(instance.resolve(dir))) {
                for (Path file : files.toList()) {
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
                    assertTrue(mode.endsWith("------"), file + " is " + mode);
                }
            }
        }
    }
}
