package io.tether.testing;

import io.tether.amqp.BrokerCredentials;
import io.tether.broker.EmbeddedBroker;
import io.tether.connector.FileRoots;
import io.tether.http.HttpAddress;
import io.tether.worker.Worker;
import io.tether.worker.WorkerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A real worker (embedded Artemis, H2 file database) in this JVM, on a free port and its own data
 * dir. Its operator lets {@code file://} URIs name the test directories ({@link #FILE_ROOTS}).
 */
public final class TestWorker implements AutoCloseable {
    /** The directories tests keep file:// storage in: JUnit's temporary directories, and /srv for made-up paths. */
    public static final FileRoots FILE_ROOTS = FileRoots.of(List.of(System.getProperty("java.io.tmpdir"), "/srv"));

    private final WorkerConfig config;
    private Worker worker;

    public TestWorker(String hostId, Path dataDir) throws Exception {
        this(hostId, dataDir, UnaryOperator.identity());
    }

    /** A worker whose settings {@code customise} changes (connectors, probe interval, ...). */
    public TestWorker(String hostId, Path dataDir, UnaryOperator<WorkerConfig> customise) throws Exception {
        this.config = customise.apply(WorkerConfig.embedded(hostId, dataDir, freePort()).withFileRoots(FILE_ROOTS));
        start();
    }

    /** A worker with exactly {@code config} (e.g. one using a standalone broker). */
    public TestWorker(WorkerConfig config) throws Exception {
        this.config = config;
        start();
    }

    /** Starts (again) on the same data dir and port. */
    public void start() throws Exception {
        worker = Worker.start(config);
    }

    /** Stops cleanly; {@link #start()} brings it back with its state. */
    public void stop() {
        worker.close();
    }

    public Worker worker() {
        return worker;
    }

    /** Serves HTTP on a free loopback port (tests run many workers: never the default port). */
    public static WorkerConfig withHttp(WorkerConfig config) {
        return config.withHttpAddress(new HttpAddress("127.0.0.1", 0));
    }

    /** The worker's HTTP endpoint, e.g. {@code http://127.0.0.1:41234}; it must have been started {@link #withHttp}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + worker.httpPort();
    }

    /** The embedded broker's URL with the engines' login the worker generated, for engine-side clients. */
    public String url() {
        return engineUrl(config.amqpPort(), config.dataDir());
    }

    /** The engines' login the worker generated for its embedded broker. */
    public BrokerCredentials engineLogin() throws IOException {
        return BrokerCredentials.read(config.dataDir().resolve(EmbeddedBroker.ENGINE_LOGIN));
    }

    /** The embedded broker's URL without a login. */
    public String plainUrl() {
        return "amqp://127.0.0.1:" + config.amqpPort();
    }

    /**
     * The URL of the embedded broker of a worker on {@code port} with data in {@code dataDir}, carrying
     * the engines' login (Qpid JMS takes {@code jms.username}/{@code jms.password} from the query).
     */
    public static String engineUrl(int port, Path dataDir) {
        return loginUrl(port, dataDir.resolve(EmbeddedBroker.ENGINE_LOGIN));
    }

    /**
     * The embedded broker's URL with the administrator's login: for benchmarks that stand in for a
     * worker on a host id of their own (the broker's rules let only the admin consume there).
     */
    public String adminUrl() {
        return loginUrl(config.amqpPort(), config.dataDir().resolve(EmbeddedBroker.ADMIN_LOGIN));
    }

    private static String loginUrl(int port, Path loginFile) {
        try {
            BrokerCredentials login = BrokerCredentials.read(loginFile);
            return "amqp://127.0.0.1:" + port + "?jms.username=" + login.user() + "&jms.password=" + login.password();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String hostId() {
        return config.hostId();
    }

    public Path dataDir() {
        return config.dataDir();
    }

    public WorkerConfig config() {
        return config;
    }

    @Override
    public void close() {
        worker.close();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
