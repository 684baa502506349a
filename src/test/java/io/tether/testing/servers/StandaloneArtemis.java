package io.tether.testing.servers;

import io.tether.amqp.BrokerCredentials;
import io.tether.testing.Host;
import io.tether.testing.TestWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * A standalone Apache Artemis broker, set up exactly as docs/operations.md tells an operator: the
 * binary distribution (unpacked by the build from Maven Central), {@code artemis create} with an
 * admin password of its own, {@code broker-config/setup-broker.sh}, and
 * {@code broker-config/add-host.sh} for each host. Only its ports are this test run's own (system
 * properties in {@code etc/artemis.profile}, as broker.xml allows). Runs as a separate process that
 * can be stopped and started.
 */
public final class StandaloneArtemis implements AutoCloseable {
    private final Path instance;
    private final int port;
    private final int tlsPort;
    private final String adminPassword = UUID.randomUUID().toString();
    private final int vdsmStompPort;
    private Process broker;

    /** Creates, sets up and starts a broker serving {@code hosts}. */
    public StandaloneArtemis(Path dir, String... hosts) throws Exception {
        this(dir, false, hosts);
    }

    /**
     * Creates, sets up and starts a broker serving {@code hosts} and, as docs/operations.md
     * ("Migrating from VDSM") tells an operator, VDSM's engine client: setup-broker.sh given the
     * build's VDSM_STOMP jar, and broker.xml's vdsm-stomp acceptor enabled, without TLS on
     * 127.0.0.1 (the embedded broker's tests cover TLS).
     */
    public static StandaloneArtemis withVdsmStomp(Path dir, String... hosts) throws Exception {
        return new StandaloneArtemis(dir, true, hosts);
    }

    private StandaloneArtemis(Path dir, boolean vdsmStomp, String... hosts) throws Exception {
        Path home = Path.of(System.getProperty("artemis.home", "target/artemis/apache-artemis-2.44.0"));
        if (!Files.isExecutable(home.resolve("bin/artemis"))) {
            throw new IllegalStateException("no Artemis distribution at " + home + " (mvn verify unpacks it)");
        }
        this.instance = dir.resolve("broker");
        this.port = TestWorker.freePort();
        this.tlsPort = TestWorker.freePort();
        Host.ok(180, "bash", home.resolve("bin/artemis").toString(), "create", instance.toString(), "--user", "admin",
                "--password", adminPassword, "--require-login", "--silent", "--no-web", "--no-autotune", "--force");
        this.vdsmStompPort = vdsmStomp ? TestWorker.freePort() : 0;
        if (vdsmStomp) {
            Host.ok(180, "bash", "broker-config/setup-broker.sh", "--vdsm-stomp", vdsmStompJar().toString(), instance.toString());
            Path xml = instance.resolve("etc/broker.xml");
            Files.writeString(xml, Files.readString(xml).replace("    </acceptors>", "      <acceptor name=\"vdsm-stomp\">"
                    + "tcp://127.0.0.1:${tether.vdsm.stomp.port}?protocols=VDSM_STOMP;securityDomain=vdsm;"
                    + "supportAdvisory=false;suppressInternalManagementObjects=true</acceptor>\n    </acceptors>"));
        } else {
            Host.ok(180, "bash", "broker-config/setup-broker.sh", instance.toString());
        }
        for (String host : hosts) {
            Host.ok(120, "bash", "broker-config/add-host.sh", instance.toString(), host);
        }
        Files.writeString(instance.resolve("etc/artemis.profile"), "\nJAVA_ARGS=\"$JAVA_ARGS -Dtether.amqp.port=" + port
                + " -Dtether.amqps.port=" + tlsPort + " -Dtether.vdsm.stomp.port=" + vdsmStompPort + "\"\n",
                StandardOpenOption.APPEND);
        start();
    }

    /** The jar of Tether's VDSM_STOMP protocol the build made, or the one {@code -Dtether.vdsm-stomp.jar} names. */
    public static Path vdsmStompJar() {
        Path jar = Path.of(System.getProperty("tether.vdsm-stomp.jar", "target/tether-vdsm-stomp.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no VDSM_STOMP jar at " + jar + " (mvn package makes it)");
        }
        return jar;
    }

    /** The port of the vdsm-stomp acceptor, plain STOMP on 127.0.0.1 ({@link #withVdsmStomp}). */
    public int vdsmStompPort() {
        return vdsmStompPort;
    }

    /** The login setup-broker.sh made for a worker's VDSM gateway. */
    public BrokerCredentials vdsmGatewayLogin() throws IOException {
        return login("vdsm-gateway", "vdsm-gateway.password");
    }

    /** The plain AMQP acceptor, on 127.0.0.1 only. */
    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    /** The TLS acceptor, trusting the certificate setup-broker.sh made. */
    public String tlsUrl() {
        return "amqps://localhost:" + tlsPort + "?transport.trustStoreLocation=" + instance.resolve("credentials/truststore.p12")
                + "&transport.trustStorePassword=tether";
    }

    public BrokerCredentials engineLogin() throws IOException {
        return login("engine", "engine.password");
    }

    /** The login add-host.sh made for {@code hostId}'s worker. */
    public BrokerCredentials hostLogin(String hostId) throws IOException {
        return login("host-" + hostId, "host-" + hostId + ".password");
    }

    /** The admin login given to {@code artemis create}. */
    public BrokerCredentials adminLogin() {
        return new BrokerCredentials("admin", adminPassword);
    }

    /** The file a worker's --broker-password-file would name for {@code hostId}. */
    public Path hostPasswordFile(String hostId) {
        return instance.resolve("credentials/host-" + hostId + ".password");
    }

    /** The instance directory: etc/, data/ (the journal), credentials/. */
    public Path instance() {
        return instance;
    }

    private BrokerCredentials login(String user, String file) throws IOException {
        return new BrokerCredentials(user, Files.readAllLines(instance.resolve("credentials").resolve(file)).get(0));
    }

    public void start() throws Exception {
        broker = Host.spawn(instance.resolve("broker.out"), "bash", instance.resolve("bin/artemis").toString(), "run");
        for (int i = 0; i < 600; i++) {
            if (!broker.isAlive()) {
                throw new IllegalStateException("broker exited: " + Files.readString(instance.resolve("broker.out")));
            }
            if (Host.run(5, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port).exit() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("broker did not listen on " + port + ": " + Files.readString(instance.resolve("broker.out")));
    }

    /** A clean stop (SIGTERM), as an operator restarting the broker does. */
    public void stop() throws InterruptedException {
        broker.descendants().forEach(ProcessHandle::destroy);
        broker.destroy();
        if (!broker.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            broker.descendants().forEach(ProcessHandle::destroyForcibly);
            broker.destroyForcibly();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
