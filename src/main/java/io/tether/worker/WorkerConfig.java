package io.tether.worker;

import io.tether.amqp.Jms;
import io.tether.connector.Connector;
import io.tether.connector.Connectors;
import io.tether.connector.FileRoots;
import io.tether.connector.MountPolicy;
import io.tether.http.HttpAddress;
import io.tether.http.WebConfig;
import io.tether.monitor.MonitorSettings;
import io.tether.uri.StorageType;
import java.nio.file.Path;
import java.util.Map;

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
 * @param mountPolicy    the file-system types and mount options a request may ask for; the
 *                       operator's to widen, never a request's
 * @param fileRoots      the directories a {@code file://} URI may name (none unless the operator says)
 * @param monitor        probe interval, timeouts and retry backoff
 * @param connectorOverrides connectors to use instead of the host's own, by type (tests)
 * @param httpAddress    where /metrics, /livez and /readyz listen, or null for nowhere: the
 *                       default here, where tests run many workers in one JVM; the CLI's default is
 *                       {@value HttpAddress#DEFAULT}
 * @param webConfig      TLS and basic auth for the HTTP endpoint ({@link WebConfig#NONE}: plain, no login)
 */
public record WorkerConfig(String hostId, Path dataDir, int amqpPort, String brokerUrl, String brokerUser,
        String brokerPassword, Path mountRoot, MountPolicy mountPolicy, FileRoots fileRoots, MonitorSettings monitor,
        Map<StorageType, Connector> connectorOverrides, HttpAddress httpAddress, WebConfig webConfig) {

    public WorkerConfig {
        java.util.Objects.requireNonNull(mountPolicy, "mountPolicy");
        java.util.Objects.requireNonNull(fileRoots, "fileRoots");
        connectorOverrides = Map.copyOf(connectorOverrides);
        java.util.Objects.requireNonNull(webConfig, "webConfig");
    }

    /** The connectors this worker uses: the host's, with the overrides applied. */
    public Connectors connectors() {
        Connectors connectors = Connectors.forHost(mountRoot, monitor.operationTimeout(), mountPolicy, fileRoots);
        for (Map.Entry<StorageType, Connector> e : connectorOverrides.entrySet()) {
            connectors = connectors.with(e.getKey(), e.getValue());
        }
        return connectors;
    }

    /** A worker with the embedded broker on {@code amqpPort} and default settings. */
    public static WorkerConfig embedded(String hostId, Path dataDir, int amqpPort) {
        return new WorkerConfig(hostId, dataDir, amqpPort, null, null, null, dataDir.resolve("mnt"),
                MountPolicy.defaults(), FileRoots.NONE, MonitorSettings.defaults(), Map.of(), null, WebConfig.NONE);
    }

    /** A worker using the broker at {@code brokerUrl}. */
    public static WorkerConfig external(String hostId, Path dataDir, String brokerUrl) {
        return new WorkerConfig(hostId, dataDir, -1, brokerUrl, null, null, dataDir.resolve("mnt"),
                MountPolicy.defaults(), FileRoots.NONE, MonitorSettings.defaults(), Map.of(), null, WebConfig.NONE);
    }

    /** Uses {@code connector} for {@code type} instead of the host's own. */
    public WorkerConfig withConnector(StorageType type, Connector connector) {
        Map<StorageType, Connector> overrides = new java.util.EnumMap<>(StorageType.class);
        overrides.putAll(connectorOverrides);
        overrides.put(type, connector);
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, mountPolicy, fileRoots, monitor, overrides, httpAddress, webConfig);
    }

    public WorkerConfig withBrokerCredentials(String user, String password) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, user, password, mountRoot, mountPolicy, fileRoots, monitor, connectorOverrides, httpAddress, webConfig);
    }

    public WorkerConfig withMonitor(MonitorSettings monitor) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, mountPolicy, fileRoots, monitor, connectorOverrides, httpAddress, webConfig);
    }

    public WorkerConfig withMountRoot(Path mountRoot) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, mountPolicy, fileRoots, monitor, connectorOverrides, httpAddress, webConfig);
    }

    /** Lets requests ask for what {@code policy} allows (the operator's --allow-vfs-type and --allow-mount-option). */
    public WorkerConfig withMountPolicy(MountPolicy policy) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, policy, fileRoots, monitor, connectorOverrides, httpAddress, webConfig);
    }

    /** Lets {@code file://} URIs name the directories {@code roots} allows (the operator's --allow-file-root). */
    public WorkerConfig withFileRoots(FileRoots roots) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, mountPolicy, roots,
                monitor, connectorOverrides, httpAddress, webConfig);
    }

    /** Serves /metrics, /livez and /readyz on {@code address}; null for none. */
    public WorkerConfig withHttpAddress(HttpAddress address) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, mountPolicy, fileRoots, monitor,
                connectorOverrides, address, webConfig);
    }

    /** Guards the HTTP endpoint with {@code web}'s TLS and logins. */
    public WorkerConfig withWebConfig(WebConfig web) {
        return new WorkerConfig(hostId, dataDir, amqpPort, brokerUrl, brokerUser, brokerPassword, mountRoot, mountPolicy, fileRoots, monitor,
                connectorOverrides, httpAddress, web);
    }

    /** Hides the broker password from logs. */
    @Override
    public String toString() {
        return "WorkerConfig[hostId=" + hostId + ", dataDir=" + dataDir + ", amqpPort=" + amqpPort
                + ", brokerUrl=" + Jms.shown(brokerUrl) + ", brokerUser=" + brokerUser + ", mountRoot=" + mountRoot
                + ", fileRoots=" + fileRoots + ", monitor=" + monitor + ", httpAddress=" + httpAddress + (webConfig.tls() ? " (TLS)" : "") + "]";
    }
}
