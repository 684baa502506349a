package io.tether.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.connector.CommandRunner;
import io.tether.connector.MountConnector;
import io.tether.connector.MountPolicy;
import io.tether.connector.MountTable;
import io.tether.retry.RetryPolicy;
import io.tether.testing.Host;
import io.tether.testing.LogLines;
import io.tether.testing.RawClient;
import io.tether.testing.RecordingConnector;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target that flaps: a real bind mount whose source vanishes (and whose mount is taken away)
 * for a second, then comes back for a second, for a minute. The worker's real mount connector
 * (mount, stat in a child, umount) is wrapped only to time its calls. Events arrive in order with
 * no seq gap and follow every flap; the retries while it is down are planned by the configured
 * backoff, and none comes before its delay; and no thread or child process is left over. {@code -Dreliability.flapSeconds=N} flaps longer.
 */
class FlappingTargetIT {
    private static final int SECONDS = Integer.getInteger("reliability.flapSeconds", 60);
    private static final RetryPolicy RETRY = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.2);

    @TempDir
    Path tmp;

    @Test
    void flappingTargetGivesOrderedEventsBackoffAndLeavesNothingBehind() throws Exception {
        Requirements.needRoot();
        Path mountRoot = Files.createDirectories(tmp.resolve("mnt"));
        Path source = Files.createDirectories(tmp.resolve("flap_source"));
        Path away = tmp.resolve("flap_source_away");
        // A bind mount is beyond the default mount policy: this host's operator allows it.
        MountPolicy policy = MountPolicy.defaults().allowingVfsType("none").allowingOption("none", "bind");
        RecordingConnector posix = new RecordingConnector(new MountConnector(StorageType.POSIX, mountRoot,
                new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10), policy));
        String uri = "posix://" + source + "?vfsType=none&options=bind";
        try (LogLines log = new LogLines(Reconciler.class);
             TestWorker worker = new TestWorker("flap", tmp.resolve("data"), c -> c.withMountRoot(mountRoot)
                .withMountPolicy(policy)
                .withConnector(StorageType.POSIX, posix)
                .withMonitor(MonitorSettings.defaults().withProbeInterval(Duration.ofMillis(200)).withRetry(RETRY)
                        // The backoff alone: a random first retry after an outage is ReconnectSpreadTest's.
                        .withReconnectSpread(Duration.ZERO)));
             RawClient client = new RawClient(worker.url(), "flap")) {
            JsonNode managed = client.manage("flap-1", uri);
            String key = managed.at("/result/connectionKey").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> state(client).equals("CONNECTED"));
            int threadsAtStart = -1;
            int flaps = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            while (System.nanoTime() < end) {
                // Down: the source goes and the mount with it; the worker cannot mount it again.
                Files.move(source, away);
                Host.unmountAllUnder(mountRoot);
                Thread.sleep(1000); // the flap period itself, not a wait for an outcome
                // Up: the source is back; the worker's next attempt mounts it.
                Files.move(away, source);
                Thread.sleep(1000);
                flaps++;
                if (flaps == 3) {
                    threadsAtStart = Thread.getAllStackTraces().size();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> state(client).equals("CONNECTED"));
            int threadsAtEnd = Thread.getAllStackTraces().size();

            // Events: consecutive seqs, in order of time, and every outage seen.
            List<JsonNode> events = new ArrayList<>(client.events);
            for (int i = 1; i < events.size(); i++) {
                assertEquals(events.get(i - 1).get("seq").asLong() + 1, events.get(i).get("seq").asLong(),
                        "no gap or reordering at event " + i);
                assertTrue(!Instant.parse(events.get(i).get("at").asText())
                        .isBefore(Instant.parse(events.get(i - 1).get("at").asText())), "times in order at event " + i);
            }
            long disconnects = events.stream().filter(e -> e.get("state").asText().equals("DISCONNECTED")).count();
            long reconnects = events.stream().filter(e -> e.get("change").asText().equals("STATE")
                    && e.get("state").asText().equals("CONNECTED")).count();
            assertTrue(disconnects >= flaps * 3 / 4, disconnects + " outages reported for " + flaps + " flaps");
            assertTrue(reconnects >= disconnects, "every outage ends in a reconnect");

            // Backoff: every retry the reconciler planned is in the policy's band for its failure count
            // (RETRY.delay(n), ±20%), and after the n-th failed connect in a row the next attempt came
            // no earlier than the policy's least delay for n. A busy machine can only make it later.
            List<PlannedRetries.Plan> plans = PlannedRetries.of(log, key);
            List<PlannedRetries.Plan> offBand = plans.stream().filter(p -> !p.keeps(RETRY)).toList();
            assertTrue(plans.size() >= flaps, "retries planned: " + plans.size());
            assertEquals(List.of(), offBand, "retries planned off the policy's band");
            List<RecordingConnector.Call> calls = posix.calls.stream().filter(c -> c.key().equals(key)).toList();
            int failuresInRow = 0;
            int checked = 0;
            List<String> early = new ArrayList<>();
            for (int i = 0; i + 1 < calls.size(); i++) {
                RecordingConnector.Call call = calls.get(i);
                if (!call.kind().equals("establish")) {
                    continue;
                }
                if (call.ok()) {
                    failuresInRow = 0;
                    continue;
                }
                failuresInRow++;
                long least = RETRY.delay(failuresInRow, () -> 0.0).toMillis();
                long waitedMs = (calls.get(i + 1).nanos() - call.endNanos()) / 1_000_000;
                checked++;
                // Quartz fires a trigger up to 2 ms early, and counts in milliseconds.
                if (waitedMs < least - 5) {
                    early.add("failure " + failuresInRow + ": waited " + waitedMs + " ms, policy at least " + least + " ms");
                }
            }
            assertTrue(checked >= flaps, "backoff seen after " + checked + " failed establish calls");
            assertEquals(List.of(), early, "attempts before their backoff");

            // Nothing left over: threads steady, no child process (mount, umount, stat) still running.
            assertTrue(threadsAtEnd <= threadsAtStart + 3, "threads " + threadsAtStart + " -> " + threadsAtEnd);
            client.unmanage("flap-1");
            await().atMost(Duration.ofSeconds(30)).until(() -> !mountedUnder(mountRoot));
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().descendants().count() == 0);
            System.out.printf("flapping target: %d flaps in %d s; %d events, seqs %d..%d with no gap; %d outages and"
                            + " %d reconnects reported; %d failed connects, none retried before its backoff; %d retries planned,"
                            + " all in the policy's band;"
                            + " threads %d -> %d; no child process left%n", flaps, SECONDS, events.size(),
                    events.get(0).get("seq").asLong(), events.get(events.size() - 1).get("seq").asLong(), disconnects,
                    reconnects, checked, plans.size(), threadsAtStart, threadsAtEnd);
        } finally {
            if (Files.exists(away) && !Files.exists(source)) {
                Files.move(away, source);
            }
            Host.unmountAllUnder(mountRoot);
        }
    }

    private static String state(RawClient client) throws Exception {
        return client.list().at("/connections/flap-1/state").asText();
    }

    private static boolean mountedUnder(Path root) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.split(" ")[1].startsWith(root + "/"));
    }
}
