package io.tether.bench;

import static org.awaitility.Awaitility.await;

import io.tether.connector.Connector;
import io.tether.connector.Probe;
import io.tether.monitor.MonitorSettings;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU an idle worker spends probing 1,000, 5,000 and 10,000 connections every 10 s: no
 * requests, every connection up, so what is left is the monitor's own path (the schedule, the
 * key queue, the reconcile, its read of the desired state and its record of what it saw). The
 * connector's probe costs nothing, so the figure is that path alone; a real probe adds its
 * mount-table read or iscsiadm call on top. Linear is the target: the cost per probe must not grow
 * with the number of connections.
 *
 * <p>Each size runs in its own worker: connections seeded into H2 (one CID each), all connected
 * and one interval to settle, then the process's CPU over {@value #INTERVALS} intervals, with the
 * probes counted over the same window so that a schedule falling behind cannot look cheap.
 * Knobs: {@code -Dbench.connections=1000,5000,10000}, {@code -Dbench.intervals=3}.
 */
class ProbeScaleBenchmark {
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final int INTERVALS = Integer.getInteger("bench.intervals", 3);

    @TempDir
    Path tmp;

    @Test
    void idleCpuByConnections() throws Exception {
        System.out.println("ProbeScaleBenchmark on " + Machine.describe());
        int[] sizes = Arrays.stream(System.getProperty("bench.connections", "1000,5000,10000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        for (int connections : sizes) {
            measure(connections);
        }
    }

    private void measure(int connections) throws Exception {
        Path run = tmp.resolve("c" + connections);
        Path data = Seed.cids(run.resolve("data"), run.resolve("storage"), connections, connections);
        FreeConnector free = new FreeConnector();
        try (TestWorker worker = new TestWorker("bench", data, c -> c.withConnector(StorageType.FILE, free)
                .withMonitor(MonitorSettings.defaults().withProbeInterval(INTERVAL)))) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> free.probed.size() == connections
                            && worker.worker().scheduledConnections() == connections);
            // One interval for the connects' burst to settle into the probe cycle, and the JIT.
            Thread.sleep(INTERVAL.toMillis()); // a settling window, not a wait for a condition
            long probesBefore = free.probes.sum();
            ThreadCpu before = ThreadCpu.now();
            long start = System.nanoTime();
            Thread.sleep(INTERVAL.toMillis() * INTERVALS); // the measuring window
            double wall = (System.nanoTime() - start) / 1e9;
            ThreadCpu after = ThreadCpu.now();
            long probes = free.probes.sum() - probesBefore;
            System.out.printf("probe scale, %,d connections, interval %d s: %.2f%% of a core for the whole process,"
                            + " %.2f%% in tether-* threads; %.1f probes per interval per connection over %d intervals;"
                            + " busiest threads: %s%n",
                    connections, INTERVAL.toSeconds(), 100 * after.seconds(before, "") / wall,
                    100 * after.seconds(before, "tether-") / wall,
                    probes / (double) connections / (wall / INTERVAL.toSeconds()), INTERVALS, after.since(before, 6));
        }
    }

    /**
     * A connector whose connections are always up, so the worker adopts each at its first probe:
     * a probe costs a counter's add and a set's.
     */
    private static final class FreeConnector implements Connector {
        final Set<String> probed = ConcurrentHashMap.newKeySet();
        final LongAdder probes = new LongAdder();

        @Override
        public Probe probe(StorageUri uri) {
            probes.increment();
            probed.add(uri.key().value());
            return Probe.PLAIN;
        }

        @Override
        public Probe establish(StorageUri uri) {
            return Probe.PLAIN;
        }

        @Override
        public void disconnect(StorageUri uri) {
            // Nothing to remove.
        }
    }
}
