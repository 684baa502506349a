package io.tether.worker;

import io.tether.connector.Connectors;
import java.nio.file.Path;

/**
 * How to run one worker.
 *
 * @param hostId     the host this worker serves (names its queue and topic)
 * @param dataDir    H2 database, credential key and embedded broker journal live here
 * @param amqpPort   port of the embedded broker (ignored with brokerUrl)
 * @param brokerUrl  a broker to use instead of the embedded one, or null
 * @param brokerUser     user for brokerUrl, or null
 * @param brokerPassword password for brokerUrl, or null
 * @param connectors the connector of each storage type
 */
public record WorkerConfig(String hostId, Path dataDir, int amqpPort, String brokerUrl, String brokerUser,
        String brokerPassword, Connectors connectors) {

    /** A worker with the embedded broker on {@code amqpPort} and the default connectors. */
    public static WorkerConfig embedded(String hostId, Path dataDir, int amqpPort) {
        return new WorkerConfig(hostId, dataDir, amqpPort, null, null, null, Connectors.defaults());
    }

    /** A worker using the broker at {@code brokerUrl}. */
    public static WorkerConfig external(String hostId, Path dataDir, String brokerUrl) {
        return new WorkerConfig(hostId, dataDir, -1, brokerUrl, null, null, Connectors.defaults());
    }

    public WorkerConfig withConnectors(Connectors connectors) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, connectors);
    }

    public WorkerConfig withBrokerCredentials(String user, String password) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, user, password, connectors);
    }

    /** Hides the broker password from logs. */
    @Override
    public String toString() {
        return "WorkerConfig[hostId=" + hostId + ", dataDir=" + dataDir + ", amqpPort=" + amqpPort
                + ", brokerUrl=" + brokerUrl + ", brokerUser=" + brokerUser + "]";
    }
}
