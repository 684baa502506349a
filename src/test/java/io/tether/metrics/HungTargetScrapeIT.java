package io.tether.metrics;

import static io.tether.testing.Http.get;
import static io.tether.testing.Http.sample;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.StorageType;
import io.tether.monitor.MonitorSettings;
import io.tether.testing.Http;
import io.tether.testing.FifoConnector;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scrape never waits on storage: with a probe blocked in the kernel (open(2) of a FIFO without
 * a writer, as a stat on a hung NFS mount blocks), every scrape and readiness check for a minute
 * answers within 100 ms, while requests keep running the worker's batches.
 */
class HungTargetScrapeIT {
    private static final Duration LIMIT = Duration.ofMillis(100);

    @TempDir
    Path tmp;

    /** Adds how long the call begun at {@code start} took; to {@code slow} too, if over the limit. */
    private static void note(List<Long> millis, List<String> slow, String what, long start) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        millis.add(ms);
        if (ms >= LIMIT.toMillis()) {
            slow.add(what + " " + ms + " ms");
        }
    }

    @Test
    void scrapesStayFastForAMinuteWithAHungTarget() throws Exception {
        FifoConnector hung = new FifoConnector(tmp.resolve("fifo"));
        try (TestWorker worker = new TestWorker("hung", tmp.resolve("data"), c -> TestWorker.withHttp(c)
                .withConnector(StorageType.FILE, hung)
                .withMonitor(MonitorSettings.defaults().withOperationTimeout(Duration.ofSeconds(1))));
             RawClient client = new RawClient(worker.url(), "hung")) {
            String metricsUrl = worker.httpUrl() + "/metrics";
            // What a server that has answered scrapes before is like: its classes loaded and its
            // exposition code compiled, so that the JIT does not compete for the two cores meanwhile.
            for (int i = 0; i < 300; i++) {
                get(metricsUrl);
                get(worker.httpUrl() + "/readyz");
            }

            String key = client.manage("hung-1", "file://" + Files.createDirectories(tmp.resolve("export")))
                    .at("/result/connectionKey").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> hung.inside.get() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> sample(get(metricsUrl).body(), "tether_connection_state",
                    "connection", key, "state", "DISCONNECTED").orElse(0) == 1);

            long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            List<Long> millis = new ArrayList<>();
            List<String> slow = new ArrayList<>();
            int scrapes = 0;
            while (System.nanoTime() < end) {
                long start = System.nanoTime();
                Http.Response scrape = get(metricsUrl);
                note(millis, slow, "/metrics", start);
                assertEquals(200, scrape.statusCode());
                assertEquals(1, sample(scrape.body(), "tether_connection_state", "connection", key, "state", "DISCONNECTED")
                        .orElse(0), "the hung connection is shown as it is");
                start = System.nanoTime();
                assertEquals(200, get(worker.httpUrl() + "/readyz").statusCode());
                note(millis, slow, "/readyz", start);
                if (++scrapes % 20 == 0) {
                    // The worker's lock taken by a batch meanwhile, and more CIDs on the hung target.
                    client.manage("hung-" + (scrapes / 20 + 1), "file://" + tmp.resolve("export"));
                }
                Thread.sleep(100);
            }
            List<Long> sorted = millis.stream().sorted().toList();
            String figures = millis.size() + " scrapes and readiness checks in a minute with a hung target: median "
                    + sorted.get(sorted.size() / 2) + " ms, slowest " + sorted.get(sorted.size() - 1) + " ms";
            System.out.println(figures);
            assertTrue(slow.isEmpty(), figures + "; over " + LIMIT.toMillis() + " ms: " + slow);
            assertEquals(1, hung.mostInside.get(), "the hung target holds one thread, never a second");
        } finally {
            // Frees the thread blocked in open(2); a FIFO opened with no reader would block this one.
            if (hung.inside.get() > 0) {
                hung.recover();
            }
        }
    }
}
