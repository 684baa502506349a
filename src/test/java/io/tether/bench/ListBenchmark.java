package io.tether.bench;

import static org.awaitility.Awaitility.await;

import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code getStorageServerList} reply time (request sent to reply received, through the broker) and
 * reply size with 1,000, 10,000 and 100,000 CIDs on 100 connections. Target at 10,000: p99 under 50 ms.
 */
class ListBenchmark {
    @TempDir
    Path tmp;

    @Test
    void list() throws Exception {
        System.out.println("ListBenchmark on " + Machine.describe());
        // -Dbench.cids=10000 runs one size only.
        int only = Integer.getInteger("bench.cids", 0);
        for (int[] size : new int[][] {{1_000, 500}, {10_000, 200}, {100_000, 30}}) {
            if (only == 0 || only == size[0]) {
                run(size[0], size[1]);
            }
        }
    }

    private void run(int cids, int samples) throws Exception {
        Path data = Seed.cids(tmp.resolve("data-" + cids), tmp.resolve("storage-" + cids), cids, 100);
        try (TestWorker worker = new TestWorker("bench", data);
             RawClient client = new RawClient(worker.url(), "bench")) {
            String request = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStorageServerList\"}";
            await().atMost(Duration.ofMinutes(2)).until(client::allConnected);
            for (int i = 0; i < Math.min(samples, 50); i++) {
                client.send(request, 60_000);
            }
            // Measured once: encoding every reply again would add garbage to the JVM the worker runs in.
            int bytes = client.send(request, 60_000).getBytes(StandardCharsets.UTF_8).length;
            long[] nanos = new long[samples];
            for (int i = 0; i < samples; i++) {
                long start = System.nanoTime();
                client.send(request, 60_000);
                nanos[i] = System.nanoTime() - start;
            }
            System.out.printf("list, %,d CIDs on 100 connections: %s; reply %,d bytes (%d bytes per CID)%n",
                    cids, Stats.ofNanos(nanos).millis(), bytes, bytes / cids);
        }
    }
}
