package io.tether.cli;

import io.tether.messaging.Addresses;
import io.tether.worker.Worker;
import io.tether.worker.WorkerConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import io.tether.monitor.MonitorSettings;
import io.tether.monitor.RetryPolicy;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs one host's worker until SIGTERM or Ctrl-C. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run the host worker: consume requests, keep managed connections alive, publish events.")
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--host-id", description = "This host's id (default: short hostname, sanitised).")
    String hostId;

    @Option(names = "--data-dir", defaultValue = "./tether-data",
            description = "Database, credential and sealing keys, embedded broker journal (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--amqp-port", defaultValue = "5672",
            description = "Port of the embedded broker on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int amqpPort;

    @Option(names = "--broker-url", description = "Use this broker (amqp://host:port or failover:(...)) instead of the embedded one.")
    String brokerUrl;

    @Option(names = "--broker-user", defaultValue = "${env:TETHER_BROKER_USER}", description = "Broker user (env TETHER_BROKER_USER).")
    String brokerUser;

    @Option(names = "--broker-password", defaultValue = "${env:TETHER_BROKER_PASSWORD}",
            description = "Broker password (env TETHER_BROKER_PASSWORD; prefer the variable, arguments are visible in ps).")
    String brokerPassword;

    @Option(names = "--mount-root", description = "Where mounts are made (default: <data-dir>/mnt; VDSM uses /rhev/data-center/mnt).")
    Path mountRoot;

    @Option(names = "--probe-interval", defaultValue = "10", paramLabel = "SECONDS",
            description = "Probe every connected connection this often (default: ${DEFAULT-VALUE}).")
    double probeInterval;

    @Option(names = "--operation-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "A probe, connect or disconnect that takes longer has failed (default: ${DEFAULT-VALUE}).")
    double operationTimeout;

    @Option(names = "--retry-initial", defaultValue = "1", paramLabel = "SECONDS",
            description = "First delay before reconnecting after a failure (default: ${DEFAULT-VALUE}).")
    double retryInitial;

    @Option(names = "--retry-max", defaultValue = "60", paramLabel = "SECONDS",
            description = "Longest delay between reconnect attempts (default: ${DEFAULT-VALUE}).")
    double retryMax;

    @Option(names = "--retry-jitter", defaultValue = "0.2",
            description = "Spread of each delay, as a fraction (default: ${DEFAULT-VALUE}, i.e. ±20%%).")
    double retryJitter;

    @Option(names = "--operation-threads", defaultValue = "16",
            description = "Threads running connector operations; a hung target holds one (default: ${DEFAULT-VALUE}).")
    int operationThreads;

    @Override
    public Integer call() throws Exception {
        String id = hostId != null ? hostId : Addresses.sanitise(localHostName());
        Addresses.checkHostId(id); // one line and the usage exit code if not (Main)
        WorkerConfig config = (brokerUrl == null
                ? WorkerConfig.embedded(id, dataDir, amqpPort)
                : WorkerConfig.external(id, dataDir, brokerUrl)).withBrokerCredentials(brokerUser, brokerPassword)
                .withMonitor(new MonitorSettings(seconds(probeInterval), seconds(operationTimeout),
                        new RetryPolicy(seconds(retryInitial), seconds(retryMax), 2.0, retryJitter), operationThreads));
        if (mountRoot != null) {
            config = config.withMountRoot(mountRoot);
        }
        Worker worker = Worker.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            stopped.countDown();
        }, "tether-shutdown"));
        System.out.println("Tether worker running");
        System.out.println("  host id:        " + id);
        System.out.println("  broker:         " + worker.brokerUrl() + (brokerUrl == null ? " (embedded)" : ""));
        System.out.println("  request queue:  " + Addresses.requests(id));
        System.out.println("  status topic:   " + Addresses.status(id));
        System.out.println("  data:           " + dataDir.toAbsolutePath().normalize());
        System.out.println("  mounts under:   " + config.mountRoot().toAbsolutePath().normalize());
        System.out.println("  sealing key:    " + worker.sealingKey().keyId());
        System.out.println("  public JWK:     " + worker.publicKeyFile().toAbsolutePath().normalize());
        System.out.println("Stop with Ctrl-C or SIGTERM.");
        System.out.flush();
        stopped.await();
        return 0;
    }

    private static Duration seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
