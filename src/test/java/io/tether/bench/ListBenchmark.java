package io.tether.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole {@code getStorageServerList}, page after page (first request sent to last reply
 * received, through the broker), and its replies' size, with 1,000, 10,000 and 100,000 CIDs on 100
 * connections. Target at 10,000: p99 under 50 ms.
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

    /** Reads the whole list, page after page, as an engine does; returns the bytes of its replies. */
    private static long wholeList(RawClient client) throws Exception {
        long bytes = 0;
        String after = "";
        while (after != null) {
            String reply = client.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStorageServerList\",\"params\":{\"after\":"
                    + JsonRpc.MAPPER.writeValueAsString(after) + "}}", 60_000);
            bytes += reply.getBytes(StandardCharsets.UTF_8).length;
            JsonNode next = JsonRpc.MAPPER.readTree(reply).at("/result/next");
            after = next.isTextual() ? next.asText() : null;
        }
        return bytes;
    }

    private void run(int cids, int samples) throws Exception {
        Path data = Seed.cids(tmp.resolve("data-" + cids), tmp.resolve("storage-" + cids), cids, 100);
        try (TestWorker worker = new TestWorker("bench", data);
             RawClient client = new RawClient(worker.url(), "bench")) {
            await().atMost(Duration.ofMinutes(2)).until(client::allConnected);
            for (int i = 0; i < Math.min(samples, 50); i++) {
                wholeList(client);
            }
            long[] nanos = new long[samples];
            long bytes = 0;
            for (int i = 0; i < samples; i++) {
                long start = System.nanoTime();
                bytes = wholeList(client);
                nanos[i] = System.nanoTime() - start;
            }
            System.out.printf("list, %,d CIDs on 100 connections, every page: %s; replies %,d bytes (%d bytes per CID)%n",
                    cids, Stats.ofNanos(nanos).millis(), bytes, bytes / cids);
        }
    }
}
