package io.tether.worker;

import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerLink;
import io.tether.amqp.Jms;
import io.tether.broker.EmbeddedBroker;
import io.tether.connector.ActiveConnections;
import io.tether.files.TrustedPaths;
import io.tether.files.UntrustedPathException;
import io.tether.health.HealthChecks;
import io.tether.http.HttpEndpoint;
import io.tether.messaging.EventPublisher;
import io.tether.messaging.RequestConsumer;
import io.tether.metrics.Meters;
import io.tether.metrics.TetherMetrics;
import io.tether.monitor.Reconciler;
import io.tether.sealing.SealingKey;
import io.tether.store.Store;
import io.tether.store.StoreException;
import io.tether.store.StoreFiles;
import io.tether.store.UnusableStoreException;
import jakarta.jms.Connection;
import jakarta.jms.JMSSecurityException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host worker, wired: HTTP endpoint (metrics and health, if an address is given), embedded
 * broker (unless a broker URL is given), store, state, reconciler, event publisher and request
 * consumer. {@link #close()} stops them in reverse order.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** The private sealing key in the data dir (0600). */
    public static final String SEALING_KEY_FILE = "sealing-key.jwk";
    /** A copy of its public half, for operators. */
    public static final String SEALING_PUBLIC_FILE = "sealing-key.pub.jwk";

    private final WorkerConfig config;
    private DataDirLock dataDirLock;
    private HttpEndpoint http;
    private EmbeddedBroker broker;
    // Volatile: the health checks read them on the HTTP endpoint's threads.
    private volatile Store store;
    private Connection connection;
    private Connection eventConnection;
    private volatile BrokerLink requestLink;
    private volatile BrokerLink eventLink;
    private volatile EventPublisher publisher;
    private volatile Reconciler reconciler;
    private volatile RequestConsumer consumer;
    /** Set once every part has started, cleared when the worker starts to stop. */
    private volatile boolean running;
    private StorageService service;
    private SealingKey sealingKey;
    private String brokerUrl;
    private Duration recoveryTime;

    private Worker(WorkerConfig config) {
        this.config = config;
    }

    public static Worker start(WorkerConfig config) throws Exception {
        Worker worker = new Worker(config);
        try {
            worker.startAll();
        } catch (Exception e) {
            worker.close();
            throw e;
        }
        return worker;
    }

    private void startAll() throws Exception {
        String hostId = config.hostId();
        // Owner only: the database, the credential and sealing keys and the broker journal (which
        // holds requests in transit, and so any secret a client sent unsealed) live here. A data
        // dir someone else made or can change is refused: its files could be their links and keys.
        trusted("data dir", config.dataDir(), () -> TrustedPaths.privateDirectory(config.dataDir(), "data dir"));
        dataDirLock = trusted("data dir", config.dataDir(), () -> DataDirLock.acquire(config.dataDir()));
        // Resolved once, here: mountinfo shows real paths, and a mount point compared with it must
        // be one. Root's or ours alone, so that nobody can plant a link where root mounts.
        Path mountRoot = trusted("mount root", config.mountRoot(), () -> TrustedPaths.sharedDirectory(config.mountRoot(), "mount root"));
        // Before the rest, so /readyz tells an operator what a slow start is waiting for.
        TetherMetrics metrics = config.httpAddress() == null ? null : startHttp();
        // Before the broker: a database that cannot be used stops the start before anything else runs.
        store = openStore(metrics != null ? metrics : Meters.Commits.NONE);
        String user = config.brokerUser();
        String password = config.brokerPassword();
        if (config.brokerUrl() == null) {
            broker = EmbeddedBroker.start(config.dataDir(), config.amqpPort(), hostId);
            brokerUrl = broker.url();
            user = broker.workerLogin().user();
            password = broker.workerLogin().password();
        } else {
            brokerUrl = config.brokerUrl();
            checkBrokerLogin(user, password);
        }
        connection = connectToBroker(user, password);
        requestLink = BrokerLink.watch(connection);
        // Events go out on a connection of their own: one connection is one client I/O thread and
        // one broker thread, and requests, replies and acknowledgements keep those to themselves.
        eventConnection = connectToBroker(user, password);
        eventLink = BrokerLink.watch(eventConnection);
        Path sealingKeyFile = config.dataDir().resolve(SEALING_KEY_FILE);
        sealingKey = trusted("sealing key", sealingKeyFile, () -> SealingKey.open(sealingKeyFile));
        trusted("sealing key", sealingKeyFile, () -> {
            sealingKey.writePublicJwk(publicKeyFile());
            return null;
        });
        log.info("sealing key {} (engines seal URIs with credentials for it); public JWK, also in {}: {}",
                sealingKey.keyId(), publicKeyFile(), sealingKey.publicJwkJson());
        publisher = new EventPublisher(eventConnection, Addresses.status(hostId), hostId, store,
                metrics != null ? metrics : Meters.Events.NONE);
        // Millisecond times read better in lists and logs, and are all a client can use.
        Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
        service = new StorageService(hostId, store, clock, ActiveConnections.ofHost(mountRoot), publisher::wake,
                metrics != null ? metrics : Meters.HostState.NONE);
        reconciler = new Reconciler(service, config.withMountRoot(mountRoot).connectors(), clock, config.monitor(),
                metrics != null ? metrics : Meters.Monitor.NONE);
        long loadStart = System.nanoTime();
        var keys = service.load();
        RequestPath requests = new RequestPath(new RequestCodec(config.mountPolicy(), config.fileRoots(), sealingKey), service, store,
                reconciler::enqueue, metrics != null ? metrics : Meters.Requests.NONE);
        consumer = new RequestConsumer(connection, Addresses.requests(hostId), requests);
        connection.start();
        publisher.start();
        keys.forEach(reconciler::enqueue);
        recoveryTime = Duration.ofNanos(System.nanoTime() - loadStart);
        log.info("recovered {} connections in {} ms (loaded from the database and scheduled)", keys.size(),
                recoveryTime.toMillis());
        consumer.start();
        running = true;
        if (http != null) {
            log.info("metrics on http://{}:{}/metrics, health on /livez and /readyz", config.httpAddress().host(), http.port());
        }
        log.info("worker for host {} ready", hostId);
    }

    /** The store, or what keeps it from opening in one line: the file, and what to do. */
    private Store openStore(Meters.Commits meters) throws StartException {
        try {
            return Store.open(StoreFiles.ofDataDir(config.dataDir()).dir(), meters);
        } catch (UnusableStoreException | UntrustedPathException e) {
            throw new StartException(e.getMessage());
        } catch (IOException e) {
            throw new StartException("cannot use the database in " + StoreFiles.ofDataDir(config.dataDir()).dir() + ": "
                    + describe(e));
        } catch (StoreException e) {
            throw new StartException(e.getMessage() + " in " + StoreFiles.ofDataDir(config.dataDir()).dir()
                    + ": if its file system is full or read-only, free space or remount it read-write and start again");
        }
    }

    /**
     * A connection to the broker. A login the broker refuses is a setting to fix, said in one line
     * that names the user and never the password.
     */
    private Connection connectToBroker(String user, String password) throws jakarta.jms.JMSException, StartException {
        try {
            return Jms.connect(brokerUrl, user, password, true);
        } catch (JMSSecurityException e) {
            throw loginRefused(user);
        }
    }

    /**
     * Logs in to a standalone broker once, without failover: a refused login is then an exception
     * here, where failover would log its own errors and retry it for as long as the worker runs.
     */
    private void checkBrokerLogin(String user, String password) throws jakarta.jms.JMSException, StartException {
        // Qpid JMS logs a refused connection as an ERROR of its own; the StartException says it in one line.
        var qpid = LoggerFactory.getLogger("org.apache.qpid.jms.JmsConnection");
        var quiet = qpid instanceof ch.qos.logback.classic.Logger logback ? logback : null;
        var level = quiet == null ? null : quiet.getLevel();
        if (quiet != null) {
            quiet.setLevel(ch.qos.logback.classic.Level.OFF);
        }
        try (Connection probe = Jms.connect(brokerUrl, user, password, false)) {
            probe.start();
        } catch (JMSSecurityException e) {
            throw loginRefused(user);
        } finally {
            if (quiet != null) {
                quiet.setLevel(level);
            }
        }
    }

    /** A refused login, said in one line that names the user and never the password. */
    private StartException loginRefused(String user) {
        return new StartException("the broker at " + Jms.shown(brokerUrl) + " refused the login of user " + user
                + ": check --broker-user and the password in --broker-password-file");
    }

    /** A step that checks or makes a path; what is wrong with the path stops the start in one line. */
    @FunctionalInterface
    private interface PathStep<T> {
        T run() throws IOException, StartException;
    }

    private static <T> T trusted(String what, Path path, PathStep<T> step) throws StartException {
        try {
            return step.run();
        } catch (UntrustedPathException e) {
            throw new StartException(e.getMessage());
        } catch (IOException e) {
            throw new StartException("cannot use the " + what + " " + path + ": " + describe(e));
        }
    }

    /** An IOException in words: file system exceptions say only the file, their class says what happened. */
    private static String describe(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return e.getMessage(); // the file and the reason, as the operating system said it
        }
        String name = e.getClass().getSimpleName().replaceAll("Exception$", "");
        return e.getMessage() == null ? name : e.getMessage() + " (" + name + ")";
    }

    /** Starts the HTTP endpoint on the configured address; the metrics it serves, for the parts to record into. */
    private TetherMetrics startHttp() throws StartException {
        HealthChecks health = new WorkerHealth();
        TetherMetrics metrics = new TetherMetrics(config.hostId(), () -> health);
        try {
            http = HttpEndpoint.start(config.httpAddress(), config.webConfig(), metrics, health);
        } catch (IOException | RuntimeException e) {
            throw new StartException("cannot listen on " + config.httpAddress() + " (--http-address): " + e.getMessage());
        }
        return metrics;
    }

    /** The checks of /livez and /readyz, read from the parts' flags. */
    private final class WorkerHealth implements HealthChecks {
        @Override
        public List<Check> liveness() {
            return List.of(
                    alive("requests", consumer != null && consumer.isRunning()),
                    alive("monitor", reconciler != null && reconciler.isRunning()),
                    alive("events", publisher != null && publisher.isRunning()));
        }

        /** A thread's check: passes while starting, and then while the thread runs. */
        private Check alive(String name, boolean threadRuns) {
            if (running && !threadRuns) {
                return Check.failed(name, "the " + name + " thread has stopped");
            }
            return Check.passed(name);
        }

        @Override
        public List<Check> readiness() {
            Store s = store;
            BrokerLink requestsUp = requestLink;
            BrokerLink eventsUp = eventLink;
            RequestConsumer c = consumer;
            return List.of(
                    s == null ? Check.failed("store", "not open yet")
                            : s.isOpen() ? Check.passed("store")
                            : Check.failed("store", "the database failed its last operation; the next one opens it again"),
                    requestsUp == null || eventsUp == null ? Check.failed("broker", "not connected yet")
                            : !requestsUp.isUp() ? Check.failed("broker", "the connection for requests is down; reconnecting")
                            : !eventsUp.isUp() ? Check.failed("broker", "the connection for events is down; reconnecting")
                            : Check.passed("broker"),
                    c == null || !running ? Check.failed("consumer", "not consuming " + Addresses.requests(config.hostId()) + " yet")
                            : !c.isAttached() ? Check.failed("consumer", "not attached to " + Addresses.requests(config.hostId()))
                            : c.fault().map(why -> Check.failed("consumer", why)).orElse(Check.passed("consumer")));
        }
    }

    /**
     * The worker cannot start in this environment (its data dir is in use, say): a fault to report
     * in one line, not a bug.
     */
    public static final class StartException extends Exception {
        StartException(String message) {
            super(message, null, false, false);
        }
    }

    public String brokerUrl() {
        return brokerUrl;
    }

    public WorkerConfig config() {
        return config;
    }

    /** The embedded broker, or empty when the worker uses a broker of its own ({@code --broker-url}). */
    public Optional<EmbeddedBroker> embeddedBroker() {
        return Optional.ofNullable(broker);
    }

    /** The key engines seal URIs with credentials for ({@code getSealingKey}). */
    public SealingKey sealingKey() {
        return sealingKey;
    }

    /** Where the public half of the sealing key is written at start. */
    public Path publicKeyFile() {
        return config.dataDir().resolve(SEALING_PUBLIC_FILE);
    }

    /** How long start-up took to load every managed CID and schedule its connection. */
    public Duration recoveryTime() {
        return recoveryTime;
    }

    /** The port of the HTTP endpoint (the one picked, for port 0); -1 without one. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Connections with a reconcile planned; one per tracked host connection. */
    public int scheduledConnections() {
        return reconciler.scheduledConnections();
    }

    /**
     * Stops in the order that loses nothing and leaves no thread using what is gone: stop serving
     * HTTP, stop taking requests (the batch in hand finishes), publish the outbox (what is left stays for the next
     * start), stop the monitor, close the store, stop the broker. Safe to call twice.
     */
    @Override
    public void close() {
        boolean wasRunning = consumer != null;
        running = false;
        closeQuietly(http);
        http = null;
        closeQuietly(consumer);
        consumer = null;
        closeQuietly(publisher);
        publisher = null;
        closeQuietly(reconciler);
        reconciler = null;
        closeQuietly(connection);
        connection = null;
        closeQuietly(eventConnection);
        eventConnection = null;
        closeQuietly(store);
        store = null;
        closeQuietly(broker);
        broker = null;
        closeQuietly(dataDirLock);
        dataDirLock = null;
        if (wasRunning) {
            log.info("worker for host {} stopped", config.hostId());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
        }
    }
}
