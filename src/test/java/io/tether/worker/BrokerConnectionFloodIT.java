package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.RawClient;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker runs in the worker's process, and any local user may connect to it: a
 * connection that sends AMQP's header and never logs in is kept by the broker, and each is one of
 * the worker's file descriptors. Held by the thousand (a local user's program, run here by the test
 * itself: who opens them makes no difference to the broker), they once took every descriptor the
 * worker had, so that it could no longer run a probe's child process ({@code Too many open files}).
 * The broker now takes at most a quarter of the worker's descriptors in connections.
 */
class BrokerConnectionFloodIT {
    /** AMQP's SASL protocol header: past it, the broker waits for a login without a deadline. */
    private static final byte[] AMQP_SASL_HEADER = {'A', 'M', 'Q', 'P', 3, 1, 0, 0};
    private static final int OPEN_FILES = 1024;

    @TempDir
    Path tmp;

    @Test
    void connectionsThatNeverLogInLeaveTheWorkerItsFileDescriptors() throws Exception {
        Requirements.needTool("prlimit", "util-linux");
        Path data = tmp.resolve("data");
        Path log = tmp.resolve("worker.log");
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        int port = TestWorker.freePort();
        try (WorkerProcess worker = new WorkerProcess("flooded", data, port, log).withOpenFileLimit(OPEN_FILES).start();
             RawClient engine = new RawClient(TestWorker.engineUrl(port, data), "flooded")) {
            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < OPEN_FILES + 100; i++) {
                    try {
                        Socket socket = new Socket("127.0.0.1", port);
                        flood.add(socket);
                        socket.getOutputStream().write(AMQP_SASL_HEADER);
                    } catch (IOException closedByTheBroker) {
                        // Past its bound, the broker closes a new connection at once.
                    }
                }
                // While they are held, the worker still runs a probe's child process for a new CID.
                assertTrue(engine.manage("during-flood", "file://" + storage).has("result"));
                await().atMost(Duration.ofSeconds(60)).until(engine::allConnected);
            } finally {
                for (Socket socket : flood) {
                    socket.close();
                }
            }
            assertTrue(worker.isAlive());
            assertFalse(Files.readString(log).contains("Too many open files"), "the worker ran out of file descriptors");
        }
    }
}
