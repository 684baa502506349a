package io.tether.worker;

import io.tether.api.RequestCodec;
import io.tether.connector.ActiveConnections;
import io.tether.connector.MountPaths;
import io.tether.messaging.Addresses;
import io.tether.messaging.EmbeddedBroker;
import io.tether.messaging.EventPublisher;
import io.tether.messaging.Jms;
import io.tether.messaging.RequestConsumer;
import io.tether.monitor.Reconciler;
import io.tether.sealing.SealingKey;
import io.tether.store.Store;
import jakarta.jms.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host worker, wired: embedded broker (unless a broker URL is given), store, state, reconciler,
 * event publisher and request consumer. {@link #close()} stops them in reverse order.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** The private sealing key in the data dir (0600). */
    public static final String SEALING_KEY_FILE = "sealing-key.jwk";
    /** A copy of its public half, for operators. */
    public static final String SEALING_PUBLIC_FILE = "sealing-key.pub.jwk";

    private final WorkerConfig config;
    private DataDirLock dataDirLock;
    private EmbeddedBroker broker;
    private Store store;
    private Connection connection;
    private Connection eventConnection;
    private EventPublisher publisher;
    private Reconciler reconciler;
    private RequestConsumer consumer;
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
        // holds requests in transit, and so any secret a client sent unsealed) live here.
        Files.createDirectories(config.dataDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx------"));
        dataDirLock = DataDirLock.acquire(config.dataDir());
        String user = config.brokerUser();
        String password = config.brokerPassword();
        if (config.brokerUrl() == null) {
            broker = EmbeddedBroker.start(config.dataDir(), config.amqpPort(), hostId);
            brokerUrl = broker.url();
            user = broker.workerLogin().user();
            password = broker.workerLogin().password();
        } else {
            brokerUrl = config.brokerUrl();
        }
        store = Store.open(config.dataDir().resolve("db"));
        // After the store: its lock keeps a second worker off this data dir while the key is made.
        sealingKey = SealingKey.open(config.dataDir().resolve(SEALING_KEY_FILE));
        sealingKey.writePublicJwk(publicKeyFile());
        log.info("sealing key {} (engines seal URIs with credentials for it); public JWK, also in {}: {}",
                sealingKey.keyId(), publicKeyFile(), sealingKey.publicJwkJson());
        MountPaths.createTraversable(config.mountRoot());
        connection = Jms.connect(brokerUrl, user, password, true);
        // Events go out on a connection of their own: one connection is one client I/O thread and
        // one broker thread, and requests, replies and acknowledgements keep those to themselves.
        eventConnection = Jms.connect(brokerUrl, user, password, true);
        publisher = new EventPublisher(eventConnection, Addresses.status(hostId), hostId, store);
        // Millisecond times read better in lists and logs, and are all a client can use.
        Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
        service = new StorageService(hostId, store, clock, ActiveConnections.ofHost(config.mountRoot()), publisher::wake);
        reconciler = new Reconciler(service, config.connectors(), clock, config.monitor());
        long loadStart = System.nanoTime();
        var keys = service.load();
        RequestPath requests = new RequestPath(new RequestCodec(config.mountPolicy(), sealingKey), service, store,
                reconciler::reconcile);
        consumer = new RequestConsumer(connection, Addresses.requests(hostId), requests);
        connection.start();
        publisher.start();
        keys.forEach(reconciler::reconcile);
        recoveryTime = Duration.ofNanos(System.nanoTime() - loadStart);
        log.info("recovered {} connections in {} ms (loaded from the database and scheduled)", keys.size(),
                recoveryTime.toMillis());
        consumer.start();
        log.info("worker for host {} ready", hostId);
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

    /** Connections with a reconcile planned; one per tracked host connection. */
    public int scheduledConnections() {
        return reconciler.scheduledConnections();
    }

    /**
     * Stops in the order that loses nothing and leaves no thread using what is gone: stop taking
     * requests (the batch in hand finishes), publish the outbox (what is left stays for the next
     * start), stop the monitor, close the store, stop the broker. Safe to call twice.
     */
    @Override
    public void close() {
        boolean wasRunning = consumer != null;
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
