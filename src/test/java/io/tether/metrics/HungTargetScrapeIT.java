package io.tether.metrics;

import static io.tether.testing.Http.get;
import static io.tether.testing.Http.sample;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tether.monitor.MonitorSettings;
import io.tether.testing.FifoConnector;
import io.tether.testing.Http;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scrape never waits on storage: with a probe blocked in the kernel (open(2) of a FIFO without
 * a writer, as a stat on a hung NFS mount blocks, and it stays blocked until the test ends), every
 * scrape and readiness check answers, while requests keep taking the worker's lock for their
 * batches. A scrape that waited on the hung probe would never answer; the bound is the client's
 * read timeout ({@link Http}: 10 s), so a busy machine cannot fail the test. How fast scrapes are
 * meanwhile is a benchmark's figure (docs/benchmarks.md); this test prints what it saw.
 */
class HungTargetScrapeIT {
    private static final int ROUNDS = 300;

    @TempDir
    Path tmp;

    @Test
    void scrapesAnswerWhileATargetIsHung() throws Exception {
        FifoConnector hung = new FifoConnector(tmp.resolve("fifo"));
        try (TestWorker worker = new TestWorker("hung", tmp.resolve("data"), c -> TestWorker.withHttp(c)
                .withConnector(StorageType.FILE, hung)
                .withMonitor(MonitorSettings.defaults().withOperationTimeout(Duration.ofSeconds(1))));
             RawClient client = new RawClient(worker.url(), "hung")) {
            String metricsUrl = worker.httpUrl() + "/metrics";
            String key = client.manage("hung-1", "file://" + Files.createDirectories(tmp.resolve("export")))
                    .at("/result/connectionKey").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> hung.inside.get() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> sample(get(metricsUrl).body(), "tether_connection_state",
                    "connection", key, "state", "DISCONNECTED").orElse(0) == 1);

            List<Long> millis = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                long start = System.nanoTime();
                Http.Response scrape = get(metricsUrl);
                assertEquals(200, scrape.statusCode());
                assertEquals(1, sample(scrape.body(), "tether_connection_state", "connection", key, "state", "DISCONNECTED")
                        .orElse(0), "the hung connection is shown as it is");
                assertEquals(200, get(worker.httpUrl() + "/readyz").statusCode());
                millis.add((System.nanoTime() - start) / 1_000_000);
                if (round % 10 == 0) {
                    // The worker's lock taken by a batch meanwhile, and more CIDs on the hung target.
                    client.manage("hung-" + (round / 10 + 1), "file://" + tmp.resolve("export"));
                }
            }
            assertEquals(1, hung.inside.get(), "the probe was hung throughout");
            assertEquals(1, hung.mostInside.get(), "the hung target holds one thread, never a second");
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.println(ROUNDS + " scrapes and readiness checks with a hung target: median "
                    + sorted.get(sorted.size() / 2) + " ms, slowest " + sorted.get(sorted.size() - 1) + " ms (both calls)");
        } finally {
            // Frees the thread blocked in open(2); a FIFO opened with no reader would block this one.
            if (hung.inside.get() > 0) {
                hung.recover();
            }
        }
    }
}
