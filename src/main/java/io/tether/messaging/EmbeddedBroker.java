package io.tether.messaging;

import java.nio.file.Path;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Apache Artemis broker inside the worker, for a single machine with no broker of its own. It
 * loads the same {@code broker-config/broker.xml} a standalone broker uses (addresses, dead-letter
 * and redelivery settings), then changes only what must differ: it listens on 127.0.0.1 at the
 * given port and keeps its journal under the data dir.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);
    /** broker.xml inside the jar: a copy of the repository's broker-config/broker.xml. */
    public static final String BROKER_XML = "broker-config/broker.xml";

    private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();
    private final int port;

    private EmbeddedBroker(int port) {
        this.port = port;
    }

    public static EmbeddedBroker start(Path dataDir, int port) throws Exception {
        FileConfiguration config = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(BROKER_XML);
        deployment.addDeployable(config);
        deployment.readConfiguration();

        // Read once from the jar; there is no file to watch for changes.
        config.setConfigurationFileRefreshPeriod(-1);
        config.setConfigurationUrl(null);
        Path dir = dataDir.toAbsolutePath().normalize().resolve("broker");
        config.setBrokerInstance(dir.toFile());
        config.setJournalDirectory(dir.resolve("journal").toString());
        config.setBindingsDirectory(dir.resolve("bindings").toString());
        config.setPagingDirectory(dir.resolve("paging").toString());
        config.setLargeMessagesDirectory(dir.resolve("large-messages").toString());
        config.setNodeManagerLockDirectory(dir.toString());
        // Several brokers may share a JVM in tests; JMX names would collide and nothing reads them here.
        config.setJMXManagementEnabled(false);
        // Loopback only: this broker has no users, so it must not be reachable from elsewhere.
        config.setSecurityEnabled(false);
        TransportConfiguration amqp = config.getAcceptorConfigurations().stream()
                .filter(t -> "amqp".equals(t.getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException(BROKER_XML + " has no acceptor named amqp"));
        amqp.getParams().put("host", "127.0.0.1");
        amqp.getParams().put("port", Integer.toString(port));
        config.getAcceptorConfigurations().removeIf(t -> !"amqp".equals(t.getName()));

        EmbeddedBroker broker = new EmbeddedBroker(port);
        broker.server.setConfiguration(config);
        broker.server.start();
        log.info("embedded broker listening on amqp://127.0.0.1:{} (journal in {})", port, dir);
        return broker;
    }

    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
