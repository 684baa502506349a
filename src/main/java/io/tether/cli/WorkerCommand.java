package io.tether.cli;

import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerCredentials;
import io.tether.amqp.Jms;
import io.tether.argv.LocalPath;
import io.tether.broker.EmbeddedBroker;
import io.tether.connector.FileRoots;
import io.tether.connector.MountPolicy;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.worker.Worker;
import io.tether.worker.WorkerConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs one host's worker until SIGTERM or Ctrl-C. */
@Command(name = "worker", mixinStandardHelpOptions = true, defaultValueProvider = ConfigLayers.class,
        description = "Run the host worker: consume requests, keep managed connections alive, publish events.",
        footer = {"Each SECONDS takes 0.001 to 86400.",
                "Every option may also be set in the config file (name = value, the name without dashes) or as"
                        + " TETHER_NAME (e.g. TETHER_PROBE_INTERVAL): the environment overrides the file, the command line both."})
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--host-id", description = "This host's id (default: short hostname, sanitised).")
    String hostId;

    static {
        DataDirs.publish();
    }

    @Option(names = "--data-dir", defaultValue = DataDirs.WORKER_DEFAULT,
            description = "Database, credential and sealing keys, embedded broker journal; this user's alone, as is"
                    + " every directory above it, or root's (default: ${DEFAULT-VALUE}; /var/lib/tether for root,"
                    + " ./tether-data for other users).")
    Path dataDir;

    @Option(names = "--amqp-port", defaultValue = "5672", paramLabel = "PORT", converter = Ranges.Port.class,
            description = "Port of the embedded broker on 127.0.0.1, 1 to 65535 (default: ${DEFAULT-VALUE}).")
    int amqpPort;

    @Option(names = "--broker-url", description = "Use this broker (amqp://host:port or failover:(...)) instead of the embedded one.")
    String brokerUrl;

    @Option(names = "--broker-user", defaultValue = "${env:TETHER_BROKER_USER}", description = "Broker user (env TETHER_BROKER_USER).")
    String brokerUser;

    @Option(names = "--broker-password", defaultValue = "${env:TETHER_BROKER_PASSWORD}",
            description = "Refused here, where ps shows it to every user: give --broker-password-file, or broker-password in an owner-only config file, or TETHER_BROKER_PASSWORD.")
    String brokerPassword;

    @Option(names = "--broker-password-file", defaultValue = "${env:TETHER_BROKER_PASSWORD_FILE}", paramLabel = "FILE",
            description = "File whose first line is the broker password (env TETHER_BROKER_PASSWORD_FILE).")
    Path brokerPasswordFile;

    @Option(names = "--mount-root", description = "Where mounts are made (default: <data-dir>/mnt; VDSM uses /rhev/data-center/mnt).")
    Path mountRoot;

    @Option(names = "--allow-vfs-type", paramLabel = "TYPE",
            description = "Also let a posix:// URI name this file system type (repeatable), e.g. fuse.sshfs."
                    + " Only the operator widens what requests may mount: docs/connectors.md.")
    List<String> allowVfsTypes = new ArrayList<>();

    @Option(names = "--allow-mount-option", paramLabel = "FSTYPE:OPTION",
            description = "Also let a URI mounted as FSTYPE (nfs, glusterfs or a vfsType) carry OPTION, with any"
                    + " value (repeatable), e.g. fuse.sshfs:reconnect.")
    List<String> allowMountOptions = new ArrayList<>();

    @Option(names = "--allow-nvme-parameter", paramLabel = "NAME",
            description = "Also let an nvme+tcp:// URI give nvme connect this parameter (repeatable): hostnqn or hostid,"
                    + " which connect as another host's identity. Timers and queues are allowed by default: docs/connectors.md.")
    List<String> allowNvmeParameters = new ArrayList<>();

    @Option(names = "--allow-file-root", paramLabel = "DIR",
            description = "Let file:// URIs name this directory and those below it (repeatable); none by default."
                    + " Not /, /proc, /sys or /dev: docs/connectors.md.")
    List<String> allowFileRoots = new ArrayList<>();

    @Option(names = "--allow-suid-dev", paramLabel = "FSTYPE",
            description = "Mount FSTYPE (nfs, glusterfs or a vfsType) without nosuid,nodev, so that its setuid programs"
                    + " and device nodes are honoured (repeatable). Every other mount is nosuid,nodev: docs/connectors.md.")
    List<String> allowSuidDev = new ArrayList<>();

    @Option(names = "--probe-interval", defaultValue = "10", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "Probe every connected connection this often (default: ${DEFAULT-VALUE}).")
    Duration probeInterval;

    @Option(names = "--operation-timeout", defaultValue = "10", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "A probe, connect or disconnect that takes longer has failed (default: ${DEFAULT-VALUE}).")
    Duration operationTimeout;

    @Option(names = "--retry-initial", defaultValue = "1", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "First delay before reconnecting after a failure, at most --retry-max (default: ${DEFAULT-VALUE}).")
    Duration retryInitial;

    @Option(names = "--retry-max", defaultValue = "60", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "Longest delay between reconnect attempts (default: ${DEFAULT-VALUE}).")
    Duration retryMax;

    @Option(names = "--retry-jitter", defaultValue = "0.2", paramLabel = "FRACTION", converter = Ranges.Fraction.class,
            description = "Spread of each delay, from 0 to less than 1 (default: ${DEFAULT-VALUE}, i.e. ±20%%).")
    double retryJitter;

    @Option(names = "--health-delay-threshold", defaultValue = "5", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "A connection whose probe takes longer is DEGRADED, reason SLOW (default: ${DEFAULT-VALUE}).")
    Duration healthDelayThreshold;

    @Option(names = "--reconnect-spread", defaultValue = "10", paramLabel = "SECONDS", converter = Ranges.SecondsOrZero.class,
            description = "After a connection that was up fails, wait a random time from 0 to this (at most --retry-max)"
                    + " before the first retry, so that hosts losing one server together do not all come back in the"
                    + " same second; 0: retry after --retry-initial (default: ${DEFAULT-VALUE}).")
    Duration reconnectSpread;

    @Option(names = "--operation-threads", defaultValue = "16", paramLabel = "N", converter = Ranges.Threads.class,
            description = "Threads running connector operations, 1 to 1024; a hung target holds one (default: ${DEFAULT-VALUE}).")
    int operationThreads;

    @Option(names = ConfigLayers.CONFIG_OPTION, paramLabel = "FILE",
            description = "Config file (env TETHER_CONFIG; default: /etc/tether/worker.conf if it exists).")
    Path config;

    @Option(names = ConfigLayers.PRINT_OPTION, description = "Print the effective settings, secrets masked, and exit.")
    boolean printConfig;

    /** --http-address and --log-format. */
    @Mixin
    ObservabilityOptions observability = new ObservabilityOptions();

    /** --vdsm-stomp-address and its TLS stores. */
    @Mixin
    VdsmOptions vdsm = new VdsmOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // The config file and environment are the command line's too: checked before anything starts.
        if (spec.defaultValueProvider() instanceof ConfigLayers layers) {
            layers.apply(spec);
            if (printConfig) {
                layers.print(spec, spec.commandLine().getOut(), Map.of("host-id", Addresses.sanitise(localHostName()),
                        "mount-root", dataDir.resolve("mnt").toString()));
                return 0;
            }
        }
        // Everything the command line says is checked before anything starts: a value in error is
        // then one line and the usage exit code (Main), and nothing is left half started.
        checkRetryDelays();
        String id = hostId != null ? hostId : Addresses.sanitise(localHostName());
        Addresses.checkHostId(id);
        MountPolicy mountPolicy = mountPolicy();
        FileRoots fileRoots = fileRoots();
        io.tether.broker.StompAcceptor vdsmAcceptor = vdsm.acceptor(brokerUrl == null);
        BrokerCredentials vdsmGatewayLogin = vdsm.standaloneLogin(brokerUrl == null);
        if (brokerPasswordFile != null) {
            try {
                brokerPassword = BrokerCredentials.readPasswordFile(brokerPasswordFile);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read --broker-password-file " + brokerPasswordFile + ": " + e);
            }
        }
        // Every file the worker makes (database, broker journal, logins) is its own alone, unless
        // it says otherwise where it makes it (the mount root, which VMs must traverse).
        OwnerOnlyFiles.apply();
        WorkerConfig config = (brokerUrl == null
                ? WorkerConfig.embedded(id, dataDir, amqpPort)
                : WorkerConfig.external(id, dataDir, brokerUrl)).withBrokerCredentials(brokerUser, brokerPassword)
                .withMonitor(new MonitorSettings(probeInterval, operationTimeout,
                        new RetryPolicy(retryInitial, retryMax, RetryPolicy.DEFAULT_MULTIPLIER, retryJitter),
                        operationThreads, healthDelayThreshold, reconnectSpread));
        if (mountRoot != null) {
            config = config.withMountRoot(mountRoot);
        }
        config = config.withMountPolicy(mountPolicy).withFileRoots(fileRoots);
        checkMountRoot(config.mountRoot());
        config = observability.applyTo(config);
        Worker worker = Worker.start(config);
        io.tether.vdsm.VdsmGateway vdsmGateway;
        try {
            vdsmGateway = VdsmOptions.start(worker, vdsmAcceptor, vdsmGatewayLogin);
        } catch (Exception e) {
            worker.close();
            throw e;
        }
        remember(new LocalWorker(id, brokerUrl == null ? worker.brokerUrl() : null));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SystemdNotify.send("STOPPING=1");
            if (vdsmGateway != null) {
                try {
                    vdsmGateway.close();
                } catch (Exception e) {
                    // The worker stops next whatever the gateway did; nothing to keep.
                }
            }
            worker.close();
            stopped.countDown();
        }, "tether-shutdown"));
        OneLine.out("Tether worker running");
        OneLine.out("  host id:        " + id);
        OneLine.out("  broker:         " + Jms.shown(worker.brokerUrl()) + (brokerUrl == null ? " (embedded)" : ""));
        OneLine.out("  request queue:  " + Addresses.requests(id));
        OneLine.out("  status topic:   " + Addresses.status(id));
        OneLine.out("  data:           " + dataDir.toAbsolutePath().normalize());
        if (brokerUrl == null) {
            OneLine.out("  engine login:   " + dataDir.toAbsolutePath().normalize().resolve(EmbeddedBroker.ENGINE_LOGIN)
                    + " (the CLI on this machine finds it with --data-dir)");
        }
        OneLine.out("  mounts under:   " + config.mountRoot().toAbsolutePath().normalize());
        if (!allowVfsTypes.isEmpty() || !allowMountOptions.isEmpty() || !allowSuidDev.isEmpty()
                || !allowNvmeParameters.isEmpty()) {
            List<String> widened = new ArrayList<>();
            allowVfsTypes.forEach(type -> widened.add("--allow-vfs-type " + type));
            allowMountOptions.forEach(option -> widened.add("--allow-mount-option " + option));
            allowSuidDev.forEach(type -> widened.add("--allow-suid-dev " + type));
            allowNvmeParameters.forEach(name -> widened.add("--allow-nvme-parameter " + name));
            OneLine.out("  mounts allow:   the defaults and " + String.join(", ", widened));
        }
        OneLine.out("  file:// roots:  " + (allowFileRoots.isEmpty() ? "none (--allow-file-root DIR)" : fileRoots));
        OneLine.out("  sealing key:    " + worker.sealingKey().keyId());
        OneLine.out("  public JWK:     " + worker.publicKeyFile().toAbsolutePath().normalize());
        OneLine.out("Stop with Ctrl-C or SIGTERM.");
        System.out.flush();
        // Worker.start returns once requests are consumed: systemd (Type=notify) may count it started.
        SystemdNotify.send("READY=1");
        stopped.await();
        return 0;
    }

    /**
     * Leaves this worker's address in its data dir, where the CLI on this machine takes its --host
     * and --broker from. An external broker's URL is left out: it may carry a login, and the
     * engines' login in the data dir is the embedded broker's only.
     */
    private void remember(LocalWorker address) {
        try {
            address.write(dataDir);
        } catch (java.io.IOException e) {
            // The worker runs as well without it; only the CLI's defaults are missing.
            OneLine.err("tether worker: cannot write " + dataDir.resolve(LocalWorker.FILE) + ": " + Errors.describe(e)
                    + "; the CLI on this machine needs --host");
        }
    }

    /** The default mount policy widened by this command line; a malformed value is the operator's to fix. */
    MountPolicy mountPolicy() {
        MountPolicy policy = MountPolicy.defaults();
        for (String type : allowVfsTypes) {
            try {
                policy = policy.allowingVfsType(type);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-vfs-type " + type + ": " + e.getMessage());
            }
        }
        for (String option : allowMountOptions) {
            int colon = option.indexOf(':');
            try {
                if (colon < 0) {
                    throw new IllegalArgumentException("give FSTYPE:OPTION, e.g. fuse.sshfs:reconnect");
                }
                policy = policy.allowingOption(option.substring(0, colon), option.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-mount-option " + option + ": " + e.getMessage());
            }
        }
        for (String type : allowSuidDev) {
            try {
                policy = policy.allowingSuidDev(type);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-suid-dev " + type + ": " + e.getMessage());
            }
        }
        for (String name : allowNvmeParameters) {
            try {
                policy = policy.allowingNvmeParameter(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-nvme-parameter " + name + ": " + e.getMessage());
            }
        }
        return policy;
    }

    /** The directories file:// URIs may name, resolved now; a malformed one is the operator's to fix. */
    FileRoots fileRoots() {
        FileRoots roots = FileRoots.NONE;
        for (String root : allowFileRoots) {
            try {
                roots = roots.allowing(root);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-file-root " + root + ": " + e.getMessage());
            }
        }
        return roots;
    }

    /**
     * Every mount point goes to mount, umount and stat as an argument, and mount.glusterfs runs its
     * client's command line as unquoted words: a mount root that a script would split (a space) or
     * expand is refused before anything starts.
     */
    static void checkMountRoot(Path mountRoot) {
        Path absolute = mountRoot.toAbsolutePath().normalize();
        try {
            LocalPath.of(absolute);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mount-root " + absolute + ": a mount point is a program's argument, and"
                    + " this path " + e.getMessage());
        }
    }

    /** What each option's own range cannot say: the first delay may not exceed the longest. */
    void checkRetryDelays() {
        if (retryInitial.compareTo(retryMax) > 0) {
            throw new ParameterException(spec.commandLine(), "--retry-initial " + Ranges.Seconds.text(retryInitial)
                    + " is longer than --retry-max " + Ranges.Seconds.text(retryMax));
        }
    }

    static String localHostName() {
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
