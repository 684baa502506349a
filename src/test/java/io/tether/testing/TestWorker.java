package io.tether.testing;

import io.tether.connector.Connectors;
import io.tether.worker.Worker;
import io.tether.worker.WorkerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** A real worker (embedded Artemis, H2 file database) in this JVM, on a free port and its own data dir. */
public final class TestWorker implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final String hostId;
    private final Connectors connectors;
    private Worker worker;

    public TestWorker(String hostId, Path dataDir) throws Exception {
        this(hostId, dataDir, freePort(), Connectors.defaults());
    }

    public TestWorker(String hostId, Path dataDir, int port, Connectors connectors) throws Exception {
        this.hostId = hostId;
        this.dataDir = dataDir;
        this.port = port;
        this.connectors = connectors;
        start();
    }

    /** Starts (again) on the same data dir and port. */
    public void start() throws Exception {
        worker = Worker.start(WorkerConfig.embedded(hostId, dataDir, port).withConnectors(connectors));
    }

    /** Stops cleanly; {@link #start()} brings it back with its state. */
    public void stop() {
        worker.close();
    }

    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    public String hostId() {
        return hostId;
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return port;
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
