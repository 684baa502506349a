package io.tether.broker;

import com.sun.management.UnixOperatingSystemMXBean;
import io.tether.amqp.BrokerCredentials;
import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Apache Artemis broker inside the worker, for a single machine with no broker of its own. It
 * runs the standalone broker's {@code broker-config/broker.xml} with this host's entries added
 * ({@link BrokerXml}), so the same security rules apply, and changes only what must differ: it
 * listens on 127.0.0.1 at the given port (no TLS acceptor) and keeps its files under the data dir.
 *
 * <p>Loopback does not keep the machine's other users out, so every client logs in. The logins are
 * made at every start into the data dir (see {@link BrokerCredentials}): {@value #ENGINE_LOGIN} for
 * engines on this machine, {@value #ADMIN_LOGIN} for management, which nothing uses by default; the
 * worker's own login is never written down. A client that stays connected reads its login again
 * when it reconnects ({@code TetherClient.connect(url, login)} with a supplier).
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** The protocol name of an engine's connection on VDSM's STOMP acceptor, as Artemis gives it. */
    private static final String STOMP = "STOMP";
    /** How long a stop waits for the engines' STOMP sessions to close before it stops the broker. */
    private static final java.time.Duration STOMP_CLEANUP = java.time.Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    /** The engines' login, in the data dir: two lines, {@code user=} and {@code password=}, mode 0600. */
    public static final String ENGINE_LOGIN = "engine-credentials";
    /** The administrator's login (role {@code amq}), in the data dir, mode 0600. */
    public static final String ADMIN_LOGIN = "admin-credentials";
    /** The most connections the embedded broker takes at once ({@link #connectionsAllowed}). */
    static final long MAX_CONNECTIONS = 1024;

    private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();
    private final int port;
    private final BrokerCredentials workerLogin;
    private final SecurityConfiguration logins;

    private EmbeddedBroker(int port, BrokerCredentials workerLogin, SecurityConfiguration logins) {
        this.port = port;
        this.workerLogin = workerLogin;
        this.logins = logins;
    }

    /** Starts the broker for {@code hostId} with its files under {@code dataDir/broker}. */
    public static EmbeddedBroker start(Path dataDir, int port, String hostId) throws Exception {
        checkPortFree(port);
        Path dir = dataDir.toAbsolutePath().normalize().resolve("broker");
        // Its journal holds requests in transit: owner only, whatever the process's umask.
        TrustedPaths.privateDirectory(dir, "broker dir");
        Path brokerXml = dir.resolve("broker.xml");
        TrustedPaths.replace(brokerXml, BrokerXml.withHost(resource(BrokerXml.BROKER_XML), resource(BrokerXml.HOST_XML), hostId)
                .getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);

        FileConfiguration config = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(brokerXml.toUri().toString());
        deployment.addDeployable(config);
        deployment.readConfiguration();

        // Written by the worker at each start; nothing edits it while the broker runs.
        config.setConfigurationFileRefreshPeriod(-1);
        config.setConfigurationUrl(null);
        config.setBrokerInstance(dir.toFile());
        config.setJournalDirectory(usableDirectory(dir.resolve("journal")));
        config.setBindingsDirectory(usableDirectory(dir.resolve("bindings")));
        config.setPagingDirectory(usableDirectory(dir.resolve("paging")));
        config.setLargeMessagesDirectory(usableDirectory(dir.resolve("large-messages")));
        config.setNodeManagerLockDirectory(dir.toString());
        // Several brokers may share a JVM in tests; JMX names would collide and nothing reads them here.
        config.setJMXManagementEnabled(false);
        // Sized for one host's worker and its engines, not for a shared broker's many clients
        // (Artemis's defaults: 30 threads, 5 scheduled ones, a dead-connection check every 2 s):
        // a few idle threads and wake-ups less on a host that runs VMs. A client that vanishes is
        // still dropped within its TTL (60 s) plus this check interval.
        config.setThreadPoolMaxSize(8);
        config.setScheduledThreadPoolMaxSize(2);
        config.setConnectionTtlCheckInterval(10_000);
        TransportConfiguration amqp = config.getAcceptorConfigurations().stream()
                .filter(t -> "amqp".equals(t.getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException(BrokerXml.BROKER_XML + " has no acceptor named amqp"));
        amqp.getParams().put("host", "127.0.0.1");
        amqp.getParams().put("port", Integer.toString(port));
        // The broker runs in the worker's process: each connection is one of the worker's file
        // descriptors, and any local user may open connections and never log in (the broker keeps
        // them). Bounded, they cannot take the descriptors the worker needs to run mount, probe a
        // mount or write its database; past the bound, Artemis closes a new connection at once.
        amqp.getParams().put("connectionsAllowed", Long.toString(connectionsAllowed()));
        config.getAcceptorConfigurations().removeIf(t -> !"amqp".equals(t.getName()));

        BrokerCredentials worker = new BrokerCredentials("host-" + hostId, BrokerCredentials.randomPassword());
        // New logins at every start: one that a program posing as the broker took from a client
        // while the worker was down (the port is anyone's then) is worth nothing once it is back.
        BrokerCredentials engine = BrokerCredentials.writeNew(dataDir.resolve(ENGINE_LOGIN), "engine");
        BrokerCredentials admin = BrokerCredentials.writeNew(dataDir.resolve(ADMIN_LOGIN), "admin");
        SecurityConfiguration logins = new SecurityConfiguration();
        logins.addUser(worker.user(), worker.password());
        logins.addRole(worker.user(), "hosts");
        logins.addRole(worker.user(), "host-" + hostId);
        logins.addUser(engine.user(), engine.password());
        logins.addRole(engine.user(), "engine");
        logins.addUser(admin.user(), admin.password());
        logins.addRole(admin.user(), "amq");

        EmbeddedBroker broker = new EmbeddedBroker(port, worker, logins);
        broker.server.setConfiguration(config);
        broker.server.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), logins));
        broker.server.start();
        // Artemis logs a journal it cannot use and returns from start() with the server stopped.
        if (!broker.server.getActiveMQServer().isActive()) {
            broker.server.stop();
            throw new BrokerStartException("the embedded broker did not start: its journal in " + dir
                    + " cannot be used (the broker's log lines above say why)");
        }
        // Artemis logs a port it cannot bind and runs on without it; a worker must never go on,
        // since whatever holds the port (another worker, or any local user's program) would then
        // receive its logins and hand it requests.
        // (The acceptor counts as started even then; its bound port tells.)
        if (broker.server.getActiveMQServer().getRemotingService().getAcceptor("amqp").getActualPort() != port) {
            broker.server.stop();
            throw new BrokerStartException("the embedded broker cannot listen on 127.0.0.1:" + port
                    + " (is another worker, or another program, using that port?)");
        }
        log.info("embedded broker listening on amqp://127.0.0.1:{} (journal in {}; engines log in with {})", port, dir,
                dataDir.toAbsolutePath().normalize().resolve(ENGINE_LOGIN));
        return broker;
    }

    /**
     * How many connections the embedded broker accepts at once: a quarter of the file descriptors
     * this process may open, and at most {@value #MAX_CONNECTIONS} (a host's engines and CLIs need
     * a handful), so that the other three quarters stay the worker's whoever holds connections.
     */
    static long connectionsAllowed() {
        long descriptors = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 4 * MAX_CONNECTIONS;
        return Math.max(1, Math.min(MAX_CONNECTIONS, descriptors / 4));
    }

    /**
     * The journal's directory, created if need be; one that is not a writable directory is said in
     * one line here, before Artemis fails on it with pages of its own errors.
     */
    private static String usableDirectory(Path journalDir) throws BrokerStartException {
        try {
            Files.createDirectories(journalDir);
        } catch (IOException e) {
            throw new BrokerStartException("the embedded broker's journal cannot be used: " + journalDir
                    + " is not a directory that can be created (" + e.getClass().getSimpleName() + ")");
        }
        if (!Files.isWritable(journalDir)) {
            throw new BrokerStartException("the embedded broker's journal cannot be used: " + journalDir
                    + " is not writable");
        }
        return journalDir.toString();
    }

    /** Says in one line, before Artemis logs its own errors about it, that the port is taken. */
    private static void checkPortFree(int port) throws BrokerStartException {
        if (port < 1 || port > 65535) {
            throw new BrokerStartException("the embedded broker's port must be 1-65535, not " + port);
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException | IllegalArgumentException e) {
            throw new BrokerStartException("the embedded broker cannot listen on 127.0.0.1:" + port + ": " + e.getMessage()
                    + " (is another worker, or another program, using that port?)");
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = EmbeddedBroker.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The embedded broker did not start as it must; the message says why, in one line. */
    public static final class BrokerStartException extends Exception {
        BrokerStartException(String message) {
            super(message);
        }
    }

    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    /**
     * Opens VDSM's STOMP acceptor (off unless the operator asks for it) and returns the login of
     * the worker's VDSM gateway: roles {@code engine} (it calls this host's worker as engines do)
     * and {@code vdsm-gateway} (it reads VDSM requests and sends their responses), made anew at
     * every start and never written down.
     */
    public BrokerCredentials openVdsmStomp(StompAcceptor acceptor) throws Exception {
        BrokerCredentials gateway = new BrokerCredentials("vdsm-gateway", BrokerCredentials.randomPassword());
        logins.addUser(gateway.user(), gateway.password());
        logins.addRole(gateway.user(), "engine");
        logins.addRole(gateway.user(), "vdsm-gateway");
        VdsmEngineLogin.install();
        var remoting = server.getActiveMQServer().getRemotingService();
        var stomp = remoting.createAcceptor(StompAcceptor.NAME, acceptor.uri());
        stomp.start();
        // As for the amqp acceptor: a port Artemis could not bind is logged and passed over.
        if (acceptor.port() != 0 && stomp.getActualPort() != acceptor.port()) {
            remoting.destroyAcceptor(StompAcceptor.NAME);
            throw new BrokerStartException("the embedded broker cannot listen for VDSM's engine on " + acceptor.host()
                    + ":" + acceptor.port() + " (is VDSM, or another program, using that port?)");
        }
        log.info("embedded broker listening for VDSM's engine on stomp{}://{}:{}", acceptor.tls() == null ? "" : "+ssl",
                acceptor.host(), stomp.getActualPort());
        return gateway;
    }

    /** The port the VDSM STOMP acceptor listens on, once {@link #openVdsmStomp} opened it. */
    public int vdsmStompPort() {
        return server.getActiveMQServer().getRemotingService().getAcceptor(StompAcceptor.NAME).getActualPort();
    }

    /** The login of this host's worker: roles {@code hosts} and {@code host-<id>}. */
    public BrokerCredentials workerLogin() {
        return workerLogin;
    }

    @Override
    public void close() throws Exception {
        // Clients' sessions closing as the broker stops send management notifications from another
        // thread; one that runs after the journal stopped fails with a WARN (AMQ222230). Nothing
        // listens for them here, so none is sent once stopping starts.
        server.getActiveMQServer().getManagementService().enableNotifications(false);
        closeVdsmStomp();
        server.stop();
    }

    /**
     * Closes VDSM's STOMP acceptor and its engines' connections while the journal still runs, and
     * waits (at most {@link #STOMP_CLEANUP}) until their sessions are gone. Each connection is closed
     * as a DISCONNECT frame closes it, not failed as the broker's stop would fail it: a failure is
     * an engine gone away to Artemis, with an ERROR frame and four WARNs. Artemis cleans a closed
     * connection's session up on an executor of its own, with no signal when it is done; left to
     * the broker's stop, that cleanup could run after the journal stopped and fail with a WARN
     * (AMQ222069).
     */
    private void closeVdsmStomp() throws Exception {
        var artemis = server.getActiveMQServer();
        var remoting = artemis.getRemotingService();
        var acceptor = remoting.getAcceptor(StompAcceptor.NAME);
        if (acceptor == null) {
            return;
        }
        acceptor.pause();
        List<RemotingConnection> engines = remoting.getConnections().stream()
                .filter(connection -> STOMP.equals(connection.getProtocolName())).toList();
        engines.forEach(engine -> engine.disconnect(false));
        Set<Object> ids = engines.stream().map(RemotingConnection::getID).collect(Collectors.toSet());
        long deadline = System.nanoTime() + STOMP_CLEANUP.toNanos();
        while (artemis.getSessions().stream().anyMatch(session -> ids.contains(session.getConnectionID()))) {
            if (System.nanoTime() > deadline) {
                log.info("VDSM engine sessions still closing after {}; stopping the embedded broker", STOMP_CLEANUP);
                break;
            }
            Thread.sleep(10);
        }
        remoting.destroyAcceptor(StompAcceptor.NAME);
    }
}
