package io.tether.bench;

import static org.awaitility.Awaitility.await;

import io.tether.connector.CommandRunner;
import io.tether.connector.LocalDirectoryConnector;
import io.tether.connector.MountTable;
import io.tether.monitor.MonitorSettings;
import io.tether.testing.RawClient;
import io.tether.testing.RecordingConnector;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes per interval with 10,000 CIDs on 100 connections: the monitor probes connections, not
 * CIDs, so this must be 100. The real local-directory connector, wrapped to count its calls.
 */
class ProbeFanoutBenchmark {
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final int INTERVALS = 10;

    @TempDir
    Path tmp;

    @Test
    void fanout() throws Exception {
        System.out.println("ProbeFanoutBenchmark on " + Machine.describe());
        Path data = Seed.cids(tmp.resolve("data"), tmp.resolve("storage"), 10_000, 100);
        RecordingConnector files = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        try (TestWorker worker = new TestWorker("bench", data, c -> c.withConnector(StorageType.FILE, files)
                .withMonitor(MonitorSettings.defaults().withProbeInterval(INTERVAL)));
             RawClient client = new RawClient(worker.url(), "bench")) {
            await().atMost(Duration.ofMinutes(2)).until(client::allConnected);
            long before = files.count("probe");
            Map<String, Integer> perKeyBefore = files.perKey("probe");
            Thread.sleep(INTERVAL.toMillis() * INTERVALS); // a measuring window, not a wait for a condition
            long probes = files.count("probe") - before;
            Map<String, Integer> perKey = files.perKey("probe");
            int least = Integer.MAX_VALUE;
            int most = 0;
            for (Map.Entry<String, Integer> e : perKey.entrySet()) {
                int n = e.getValue() - perKeyBefore.getOrDefault(e.getKey(), 0);
                least = Math.min(least, n);
                most = Math.max(most, n);
            }
            System.out.printf("probe fan-out, 10,000 CIDs on 100 connections, interval %d ms: %.1f probes per interval"
                            + " over %d intervals (%d connections probed; each %d-%d times); %d connects%n",
                    INTERVAL.toMillis(), probes / (double) INTERVALS, INTERVALS, perKey.size(), least, most,
                    files.count("establish"));
        }
    }
}
