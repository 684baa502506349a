package io.tether.bench;

import static org.awaitility.Awaitility.await;

import io.tether.connection.ManagedCid;
import io.tether.connection.UriParser;
import io.tether.store.Store;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
        Path data = tmp.resolve("data-" + cids + "-" + connections);
        Path storage = Files.createDirectories(tmp.resolve("storage-" + connections));
        for (int c = 0; c < Math.min(connections, 100); c++) {
            Files.createDirectories(storage.resolve("d" + c));
        }
        try (Store store = Store.open(data.resolve("db"))) {
            for (int start = 0; start < cids; start += 10_000) {
                try (Store.Transaction tx = store.begin()) {
                    for (int i = start; i < Math.min(cids, start + 10_000); i++) {
                        // Beyond the first 100 connections the directories do not exist: those are retried.
                        tx.insertCid(new ManagedCid("bench-" + i, UriParser.parse("file://" + storage.resolve("d" + (i % connections))),
                                Instant.now()));
                    }
                    tx.commit();
                }
            }
        }
        long jvmUp = System.nanoTime();
        try (TestWorker worker = new TestWorker("bench", data);
             RawClient client = new RawClient(worker.url(), "bench")) {
            long started = System.nanoTime();
            if (connections <= 100) {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() ->
                        client.list().get("connections").findValues("state").stream().allMatch(s -> s.asText().equals("CONNECTED")));
            }
            long allConnected = System.nanoTime();
            System.out.printf("restart: %,d CIDs on %,d connections: loaded and scheduled in %d ms"
                            + " (whole worker start incl. broker %d ms)%s%n",
                    cids, connections, worker.worker().recoveryTime().toMillis(), (started - jvmUp) / 1_000_000,
                    connections <= 100 ? String.format("; all CONNECTED %d ms after start", (allConnected - started) / 1_000_000) : "");
        }
    }
}
