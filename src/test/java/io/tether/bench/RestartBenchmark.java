package io.tether.bench;

import static org.awaitility.Awaitility.await;

import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart recovery: time from the start of loading to every managed CID loaded from H2 and its
 * connection scheduled, for 10,000 and 100,000 CIDs. Target: 10,000 in under 2 s after the JVM is up.
 */
class RestartBenchmark {
    @TempDir
    Path tmp;

    @Test
    void restart() throws Exception {
        System.out.println("RestartBenchmark on " + Machine.describe());
        for (int cids : new int[] {10_000, 100_000}) {
            for (int connections : new int[] {100, cids}) {
                run(cids, connections);
            }
        }
    }

    private void run(int cids, int connections) throws Exception {
        Path data = Seed.cids(tmp.resolve("data-" + cids + "-" + connections),
                tmp.resolve("storage-" + connections), cids, connections);
        long jvmUp = System.nanoTime();
        try (TestWorker worker = new TestWorker("bench", data);
             RawClient client = new RawClient(worker.url(), "bench")) {
            long started = System.nanoTime();
            if (connections <= 100) {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(client::allConnected);
            }
            long allConnected = System.nanoTime();
            System.out.printf("restart: %,d CIDs on %,d connections: loaded and scheduled in %d ms"
                            + " (whole worker start incl. broker %d ms)%s%n",
                    cids, connections, worker.worker().recoveryTime().toMillis(), (started - jvmUp) / 1_000_000,
                    connections <= 100 ? String.format("; all CONNECTED %d ms after start", (allConnected - started) / 1_000_000) : "");
        }
    }
}
