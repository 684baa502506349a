package io.tether.bench;

import static org.awaitility.Awaitility.await;

import io.tether.testing.Heap;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap per managed CID: live heap (after full GCs) of a worker holding 100,000 CIDs minus that of
 * the same worker holding none, divided by 100,000. Everything the worker keeps counts: registry,
 * schedule, H2's cache. Once on 100 connections, once with every CID on a connection of its own.
 * Target: under 1 KiB per CID.
 */
class MemoryBenchmark {
    private static final int CIDS = 100_000;

    @TempDir
    Path tmp;

    @Test
    void heapPerCid() throws Exception {
        System.out.println("MemoryBenchmark on " + Machine.describe());
        long empty = liveHeapOf(Files.createDirectories(tmp.resolve("data-empty")), 0, 0);
        for (int connections : new int[] {100, CIDS}) {
            Path data = tmp.resolve("data-" + connections);
            long full = liveHeapOf(data, CIDS, connections);
            System.out.printf("memory: %,d CIDs on %,d connections: live heap %,d KiB vs %,d KiB empty:"
                    + " %,d bytes per CID%n", CIDS, connections, full >> 10, empty >> 10, (full - empty) / CIDS);
        }
    }

    private long liveHeapOf(Path data, int cids, int connections) throws Exception {
        if (cids > 0) {
            Seed.cids(data, tmp.resolve("storage-" + connections), cids, connections);
        }
        // No list is asked for: a client holding the list of every CID would be counted as the worker's.
        try (TestWorker worker = new TestWorker("bench", data)) {
            await().atMost(Duration.ofMinutes(2)).until(() -> worker.worker().scheduledConnections() >= Math.min(connections, cids));
            return Heap.live();
        }
    }

}
