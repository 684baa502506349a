package io.tether.testing.servers;

import static org.awaitility.Awaitility.await;

import io.tether.amqp.BrokerCredentials;
import io.tether.testing.Host;
import io.tether.testing.TestWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two standalone Apache Artemis brokers made a replicated primary/backup pair exactly as
 * docs/operations.md ("A cluster of brokers") tells an operator: the binary distribution,
 * {@code artemis create} for each, {@code broker-config/setup-broker.sh} and
 * {@code broker-config/add-host.sh} on the primary, then {@code broker-config/ha/setup-pair.sh}.
 * Both on 127.0.0.1; only the ports (and a smaller heap) are this test run's own. Each node is a
 * process of its own that can be killed with SIGKILL and started again.
 */
public final class ArtemisPair implements AutoCloseable {
    /** The log line of a backup that has copied its primary's journal and can take over. */
    private static final String BACKUP_READY = "AMQ221031: backup announced";

    private final Node primary;
    private final Node backup;
    private final long readyAt;

    /** Creates and sets up both nodes for {@code hosts}, starts them and waits until the backup is in sync. */
    public ArtemisPair(Path dir, String... hosts) throws Exception {
        Path home = Path.of(System.getProperty("artemis.home", "target/artemis/apache-artemis-2.44.0"));
        if (!Files.isExecutable(home.resolve("bin/artemis"))) {
            throw new IllegalStateException("no Artemis distribution at " + home + " (mvn verify unpacks it)");
        }
        // The backup's instance is made while the primary is set up: the same result, sooner.
        CompletableFuture<Node> madeBackup = CompletableFuture.supplyAsync(() -> {
            try {
                return new Node("backup", home, dir.resolve("backup"));
            } catch (Exception e) {
                throw new IllegalStateException("artemis create of the backup failed", e);
            }
        });
        primary = new Node("primary", home, dir.resolve("primary"));
        Host.ok(180, "bash", "broker-config/setup-broker.sh", primary.instance.toString());
        Host.ok(120, "bash", "broker-config/add-host.sh", primary.instance.toString(), hosts[0]);
        backup = madeBackup.get();
        setUpPair();
        // The other hosts come later, as docs/operations.md says: added on the primary, then
        // setup-pair.sh again copies them to the backup (and changes nothing else).
        for (int i = 1; i < hosts.length; i++) {
            Host.ok(120, "bash", "broker-config/add-host.sh", primary.instance.toString(), hosts[i]);
        }
        setUpPair();
        for (Node node : List.of(primary, backup)) {
            String xml = Files.readString(node.instance.resolve("etc/broker.xml"));
            if (Node.count(xml, "<!-- BEGIN TETHER HA") != 2 || Node.count(xml, "<ha-policy>") != 1) {
                throw new IllegalStateException("setup-pair.sh run twice left " + node.name + " without exactly one HA part");
            }
        }
        try {
            primary.start();
            primary.awaitActive();
            backup.start();
            backup.awaitBackupReady(1);
        } catch (Exception | AssertionError e) {
            close(); // nobody else will: the pair was never handed out
            throw e;
        }
        readyAt = System.nanoTime();
    }

    /** When the backup was first in sync ({@link System#nanoTime()}). */
    public long readyAt() {
        return readyAt;
    }

    private void setUpPair() {
        Host.ok(120, "bash", "broker-config/ha/setup-pair.sh", primary.instance.toString(), backup.instance.toString(),
                "127.0.0.1:" + primary.clusterPort, "127.0.0.1:" + backup.clusterPort);
    }

    /**
     * The URL workers and engines use, as docs/operations.md gives it: both nodes, tried in turn
     * without end, at most half a second apart.
     */
    public String url() {
        return "failover:(" + primary.url() + "," + backup.url() + ")?failover.maxReconnectAttempts=-1"
                + "&failover.maxReconnectDelay=500";
    }

    public Node primary() {
        return primary;
    }

    public Node backup() {
        return backup;
    }

    /** Both nodes have the same users (setup-pair.sh copies them): the primary's files are the reference. */
    public BrokerCredentials engineLogin() throws IOException {
        return new BrokerCredentials("engine", Files.readAllLines(primary.instance.resolve("credentials/engine.password")).get(0));
    }

    /** The file a worker's --broker-password-file names for {@code hostId}. */
    public Path hostPasswordFile(String hostId) {
        return primary.instance.resolve("credentials/host-" + hostId + ".password");
    }

    @Override
    public void close() throws InterruptedException {
        backup.kill9();
        primary.kill9();
    }

    /** One broker of the pair. */
    public static final class Node {
        private final String name;
        private final Path instance;
        private final int port;
        private final int clusterPort;
        private Process process;

        private Node(String name, Path home, Path instance) throws Exception {
            this.name = name;
            this.instance = instance;
            this.port = TestWorker.freePort();
            this.clusterPort = TestWorker.freePort();
            int tlsPort = TestWorker.freePort();
            Host.ok(180, "bash", home.resolve("bin/artemis").toString(), "create", instance.toString(), "--user", "admin",
                    "--password", UUID.randomUUID().toString(), "--require-login", "--silent", "--no-web", "--no-autotune",
                    "--force");
            // Later options win: a test machine runs two brokers next to the tests, not one alone,
            // and a short run spends less on the JIT's client compiler alone than on both.
            Files.writeString(instance.resolve("etc/artemis.profile"), "\nJAVA_ARGS=\"$JAVA_ARGS -Xms64m -Xmx512m -XX:TieredStopAtLevel=1"
                    + " -Dtether.amqp.port=" + port + " -Dtether.amqps.port=" + tlsPort + "\"\n", StandardOpenOption.APPEND);
        }

        /** This node's plain AMQP acceptor (open only while the node is active). */
        public String url() {
            return "amqp://127.0.0.1:" + port;
        }

        /** Starts the node's process; it becomes active or backup as its configuration and its peer say. */
        public void start() throws IOException {
            process = Host.spawn(log(), "bash", instance.resolve("bin/artemis").toString(), "run");
        }

        /** SIGKILL the broker's JVM (and the shell that started it): no shutdown, no goodbye to the peer. */
        public void kill9() throws InterruptedException {
            if (process == null) {
                return;
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** Waits until this node accepts AMQP clients. */
        public void awaitActive() {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(50))
                    .until(() -> alive() && Host.run(5, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port).exit() == 0);
        }

        /** Waits until this node has announced itself as an in-sync backup {@code times} times since its creation. */
        public void awaitBackupReady(int times) {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                    .until(() -> alive() && count(Files.readString(log()), BACKUP_READY) >= times);
        }

        private boolean alive() throws IOException {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " broker exited: " + Files.readString(log()));
            }
            return true;
        }

        /** The node's console output, across its starts. */
        public Path log() {
            return instance.resolve("broker.out");
        }

        private static int count(String text, String what) {
            int n = 0;
            for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
                n++;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + url();
        }
    }
}
