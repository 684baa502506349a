package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.amqp.BrokerCredentials;
import io.tether.broker.EmbeddedBroker;
import io.tether.testing.BrokerAttacks;
import io.tether.testing.TestWorker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker refuses every attack of docs/operations.md's threat model, from any local
 * user: it listens on loopback, which keeps other machines out but not the other users of this one.
 */
class EmbeddedBrokerSecurityIT {
    @TempDir
    Path tmp;

    @Test
    void everyAttackIsRefusedAndTheWorkerGoesOn() throws Exception {
        int port = TestWorker.freePort();
        Path data = tmp.resolve("data");
        try (EmbeddedBroker broker = EmbeddedBroker.start(data, port, "h1");
             TestWorker worker = new TestWorker(WorkerConfig.external("h1", data, broker.url())
                     .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials(broker.workerLogin().user(), broker.workerLogin().password()))) {
            BrokerAttacks attacks = new BrokerAttacks(broker.url(),
                    BrokerCredentials.read(data.resolve(EmbeddedBroker.ENGINE_LOGIN)), broker.workerLogin(), "h1", "h2");
            attacks.allRefusedAndTheWorkerGoesOn(6);
        }
    }

    /**
     * Whatever holds the broker's port first (another worker, or a local user's program posing as
     * the broker) must not get the worker: the embedded broker refuses to start without its port.
     */
    @Test
    void aBrokerThatCannotListenDoesNotStart() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            EmbeddedBroker.BrokerStartException e = assertThrows(EmbeddedBroker.BrokerStartException.class,
                    () -> EmbeddedBroker.start(tmp.resolve("data"), squatter.getLocalPort(), "h1").close());
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + squatter.getLocalPort()), e.getMessage());
            assertThrows(EmbeddedBroker.BrokerStartException.class,
                    () -> Worker.start(WorkerConfig.embedded("h1", tmp.resolve("worker"), squatter.getLocalPort())).close());
        }
    }
}
