package io.tether.worker;

import io.tether.connector.Connectors;
import io.tether.monitor.MonitorSettings;
import java.nio.file.Path;

/**
 * How to run one worker.
 *
 * @param hostId         the host this worker serves (names its queue and topic)
 * @param dataDir        H2 database, credential key and embedded broker journal live here
 * @param amqpPort       port of the embedded broker (ignored with brokerUrl)
 * @param brokerUrl      a broker to use instead of the embedded one, or null
 * @param brokerUser     user for brokerUrl, or null
 * @param brokerPassword password for brokerUrl, or null
 * @param mountRoot      where mount-based connections are mounted (VDSM: /rhev/data-center/mnt)
 * @param monitor        probe interval, timeouts and retry backoff
 * @param connectors     the connector of each storage type
 */
public record WorkerConfig(String hostId, Path dataDir, int amqpPort, String brokerUrl, String brokerUser,
        String brokerPassword, Path mountRoot, MonitorSettings monitor, Connectors connectors) {

    /** A worker with the embedded broker on {@code amqpPort} and default settings. */
    public static WorkerConfig embedded(String hostId, Path dataDir, int amqpPort) {
        return new WorkerConfig(hostId, dataDir, amqpPort, null, null, null, dataDir.resolve("mnt"),
                MonitorSettings.defaults(), Connectors.defaults());
    }

    /** A worker using the broker at {@code brokerUrl}. */
    public static WorkerConfig external(String hostId, Path dataDir, String brokerUrl) {
        return new WorkerConfig(hostId, dataDir, -1, brokerUrl, null, null, dataDir.resolve("mnt"),
                MonitorSettings.defaults(), Connectors.defaults());
    }

    public WorkerConfig withConnectors(Connectors connectors) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, monitor, connectors);
    }

    public WorkerConfig withBrokerCredentials(String user, String password) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, user, password, mountRoot, monitor, connectors);
    }

    public WorkerConfig withMonitor(MonitorSettings monitor) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, monitor, connectors);
    }

    public WorkerConfig withMountRoot(Path mountRoot) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, monitor, connectors);
    }

    /** Hides the broker password from logs. */
    @Override
    public String toString() {
        return "WorkerConfig[hostId=" + hostId + ", dataDir=" + dataDir + ", amqpPort=" + amqpPort
                + ", brokerUrl=" + brokerUrl + ", brokerUser=" + brokerUser + ", mountRoot=" + mountRoot
                + ", monitor=" + monitor + "]";
    }
}
