package io.tether.worker;

import io.tether.messaging.BrokerCredentials;
import io.tether.messaging.EmbeddedBroker;
import io.tether.testing.BrokerAttacks;
import io.tether.testing.TestWorker;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker refuses every attack of docs/operations.md's threat model, from any local
 * user: it listens on loopback, which keeps other machines out but not the other users of this one.
 */
class EmbeddedBrokerSecurityTest {
    @TempDir
    Path tmp;

    @Test
    void everyAttackIsRefusedAndTheWorkerGoesOn() throws Exception {
        int port = TestWorker.freePort();
        Path data = tmp.resolve("data");
        try (EmbeddedBroker broker = EmbeddedBroker.start(data, port, "h1");
             TestWorker worker = new TestWorker(WorkerConfig.external("h1", data, broker.url())
                     .withBrokerCredentials(broker.workerLogin().user(), broker.workerLogin().password()))) {
            BrokerAttacks attacks = new BrokerAttacks(broker.url(),
                    BrokerCredentials.read(data.resolve(EmbeddedBroker.ENGINE_LOGIN)), broker.workerLogin(), "h1", "h2");
            attacks.allRefusedAndTheWorkerGoesOn(6);
        }
    }
}
