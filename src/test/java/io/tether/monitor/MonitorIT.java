package io.tether.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.connector.CommandRunner;
import io.tether.connector.LocalDirectoryConnector;
import io.tether.connector.MountTable;
import io.tether.retry.RetryPolicy;
import io.tether.testing.FifoConnector;
import io.tether.testing.LogLines;
import io.tether.testing.RawClient;
import io.tether.testing.RecordingConnector;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import io.tether.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probing, reconnecting with backoff, hung targets and restart recovery, on a real worker. */
class MonitorIT {
    private static final Duration PROBE = Duration.ofMillis(200);
    private static final RetryPolicy FAST_RETRY = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.2);

    @TempDir
    Path tmp;

    private UnaryOperator<WorkerConfig> fast(RecordingConnector files) {
        return fast(files, PROBE);
    }

    private UnaryOperator<WorkerConfig> fast(RecordingConnector files, Duration probe) {
        return c -> c.withConnector(StorageType.FILE, files)
                .withMonitor(MonitorSettings.defaults().withProbeInterval(probe)
                        .withOperationTimeout(Duration.ofSeconds(1)).withRetry(FAST_RETRY));
    }

    private static void assertConsecutive(List<JsonNode> events) {
        for (int i = 1; i < events.size(); i++) {
            assertEquals(events.get(i - 1).get("seq").asLong() + 1, events.get(i).get("seq").asLong(),
                    "events out of order or with a gap: " + events);
        }
    }

    @Test
    void aRemovedDirectoryIsReportedAndReconnectedByItself() throws Exception {
        RecordingConnector files = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        Path dir = Files.createDirectories(tmp.resolve("vol"));
        String key = "file://" + dir;
        try (TestWorker worker = new TestWorker("mon1", tmp.resolve("data"), fast(files));
             RawClient client = new RawClient(worker.url(), "mon1")) {
            client.manage("vol-1", key);
            JsonNode up = client.awaitEvent(key, "STATE", "CONNECTED", 0, Duration.ofSeconds(30));

            Files.delete(dir);
            JsonNode down = client.awaitEvent(key, "STATE", "DISCONNECTED", up.get("seq").asLong(), Duration.ofSeconds(30));
            assertEquals(453, down.at("/lastError/code").asInt());
            assertEquals("StorageServerValidationError", down.at("/lastError/name").asText());
            assertTrue(down.at("/lastError/message").asText().contains("does not exist"), down.toString());
            assertEquals(1, down.get("connectionIdCount").asInt());
            JsonNode listed = client.list().at("/connections/vol-1");
            assertEquals("DISCONNECTED", listed.get("state").asText());
            assertEquals(453, listed.at("/lastError/code").asInt());

            Files.createDirectories(dir);
            JsonNode back = client.awaitEvent(key, "STATE", "CONNECTED", down.get("seq").asLong(), Duration.ofSeconds(30));
            assertTrue(back.get("lastError").isNull(), "a success clears lastError");
            assertConsecutive(client.events);
        }
    }

    /**
     * The worker's real schedule keeps the backoff the reconciler plans: each retry's delay is in the
     * policy's band for its failure count (100 ms doubling to the 800 ms cap, ±20%), no connect comes
     * before its planned delay is over, and after a success the count starts again at one. The plans
     * are read, not timed: a busy machine can make a retry late, never early and never another plan.
     * The exact delays for given random numbers are {@link ReconcilerTest}'s.
     */
    @Test
    void retriesFollowTheBackoffPlanAndASuccessStartsItAgain() throws Exception {
        RecordingConnector files = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        Path dir = tmp.resolve("later");
        String key = "file://" + dir;
        try (LogLines log = new LogLines(Reconciler.class);
             TestWorker worker = new TestWorker("mon2", tmp.resolve("data"), fast(files));
             RawClient client = new RawClient(worker.url(), "mon2")) {
            client.manage("later-1", key);
            await().atMost(Duration.ofSeconds(60)).until(() -> PlannedRetries.of(log, key).size() >= 6
                    && files.of("establish", key).size() >= 7);
            List<PlannedRetries.Plan> plans = PlannedRetries.of(log, key).subList(0, 6);
            List<RecordingConnector.Call> attempts = files.of("establish", key);
            for (int i = 0; i < 6; i++) {
                PlannedRetries.Plan plan = plans.get(i);
                assertEquals(i + 1, plan.failures(), "plans " + plans);
                assertTrue(plan.keeps(FAST_RETRY), "retry " + plan.failures() + " planned in " + plan.ms()
                        + " ms, off the policy's band; plans " + plans);
                // Quartz fires a trigger up to 2 ms before its time, and counts in milliseconds.
                long waited = (attempts.get(i + 1).nanos() - attempts.get(i).endNanos()) / 1_000_000;
                assertTrue(waited >= plan.ms() - 5, "establish " + (i + 2) + " came " + waited + " ms after the failed one, before the "
                        + plan.ms() + " ms planned");
            }

            Files.createDirectories(dir);
            JsonNode up = client.awaitEvent(key, "STATE", "CONNECTED", 0, Duration.ofSeconds(30));
            int beforeOutage = PlannedRetries.of(log, key).size();
            Files.delete(dir);
            client.awaitEvent(key, "STATE", "DISCONNECTED", up.get("seq").asLong(), Duration.ofSeconds(30));
            PlannedRetries.Plan first = await().atMost(Duration.ofSeconds(30)).until(() -> PlannedRetries.of(log, key),
                    r -> r.size() > beforeOutage).get(beforeOutage);
            assertEquals(1, first.failures(), "a success starts the count again");
            // The first retry after an outage is spread over [0, the cap): MonitorSettings.reconnectSpread.
            assertTrue(first.ms() >= 0 && first.ms() < FAST_RETRY.max().toMillis(), "first retry after the outage: " + first);
            assertConsecutive(client.events);
        }
    }

    /**
     * 10,000 CIDs on 100 directories make 100 probe plans in the worker's Quartz schedule, never
     * more, and every directory is probed over and over. That each connection is probed once per
     * interval, exactly, is {@link ReconcilerTest}'s to show, on a schedule the test moves.
     */
    @Test
    void probesAreOnePerConnectionNotPerCid() throws Exception {
        RecordingConnector files = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        int targets = 100;
        int cids = 10_000;
        // Each probe of a directory is a child process (realpath): one a second each, not five, on a busy machine.
        try (TestWorker worker = new TestWorker("fan", tmp.resolve("data"), fast(files, Duration.ofSeconds(1)));
             RawClient client = new RawClient(worker.url(), "fan")) {
            for (int t = 0; t < targets; t++) {
                Files.createDirectories(tmp.resolve("t" + t));
            }
            List<Integer> planned = new ArrayList<>();
            for (int start = 0; start < cids; start += 1000) {
                ArrayNode batch = JsonRpc.MAPPER.createArrayNode();
                for (int i = start; i < start + 1000; i++) {
                    ObjectNode request = batch.addObject().put("jsonrpc", "2.0").put("id", i).put("method", "manageStorageServer");
                    request.putObject("params").put("connectionId", "fan-" + i).put("uri", "file://" + tmp.resolve("t" + (i % targets)));
                }
                JsonNode replies = client.call(batch.toString());
                assertEquals(1000, replies.size());
                planned.add(worker.worker().scheduledConnections());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                planned.add(worker.worker().scheduledConnections());
                return files.perKey("probe").size() == targets && files.perKey("probe").values().stream().allMatch(n -> n >= 4);
            });
            assertTrue(planned.stream().allMatch(n -> n <= targets), "at most one plan per connection, not per CID: " + planned);
            assertEquals(cids, client.list().get("connections").size());
        }
    }

    @Test
    void aHungTargetBlocksNothingElse() throws Exception {
        FifoConnector hung = new FifoConnector(tmp.resolve("hung.fifo"));
        RecordingConnector files = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        UnaryOperator<WorkerConfig> settings = c -> fast(files).apply(c)
                .withConnector(StorageType.POSIX, hung);
        try (TestWorker worker = new TestWorker("hang", tmp.resolve("data"), settings);
             RawClient client = new RawClient(worker.url(), "hang")) {
            String hungKey = "posix://stuck.example/export";
            client.manage("hung-1", hungKey + "?vfsType=nfs");
            JsonNode timedOut = client.awaitEvent(hungKey, "STATE", "DISCONNECTED", 0, Duration.ofSeconds(30));
            assertTrue(timedOut.at("/lastError/message").asText().contains("did not return within 1.0 s"), timedOut.toString());
            assertEquals(1, hung.inside.get(), "the first probe is still stuck in open(2)");

            // Meanwhile everything else goes on: manages, their connects and events, lists.
            for (int i = 0; i < 5; i++) {
                Path dir = Files.createDirectories(tmp.resolve("ok" + i));
                client.manage("ok-" + i, "file://" + dir);
                client.awaitEvent("file://" + dir, "STATE", "CONNECTED", 0, Duration.ofSeconds(30));
                assertEquals(i + 2, client.list().get("connections").size(), "hung-1 and ok-0..ok-" + i);
            }
            // Retries of the hung connection fail at once while its operation is stuck: never a second thread.
            await().atMost(Duration.ofSeconds(30)).until(() -> client.list().at("/connections/hung-1/lastError/message")
                    .asText().contains("has not returned"));
            assertEquals(1, hung.mostInside.get(), "at most one operation in flight for the hung connection");
            assertEquals(1, hung.inside.get());

            hung.recover();
            JsonNode recovered = client.awaitEvent(hungKey, "STATE", "CONNECTED", timedOut.get("seq").asLong(), Duration.ofSeconds(30));
            assertTrue(recovered.get("lastError").isNull());
            assertConsecutive(client.events);
        }
    }

    @Test
    void aRestartAdoptsConnectionsThatAreStillUp() throws Exception {
        RecordingConnector first = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        Path dir = Files.createDirectories(tmp.resolve("kept"));
        String key = "file://" + dir;
        Path data = tmp.resolve("data");
        try (TestWorker worker = new TestWorker("adopt", data, fast(first));
             RawClient client = new RawClient(worker.url(), "adopt")) {
            client.manage("kept-1", key);
            client.manage("kept-2", key);
            client.manage("gone-1", "file://" + tmp.resolve("missing"));
            client.awaitEvent(key, "STATE", "CONNECTED", 0, Duration.ofSeconds(30));
        }
        RecordingConnector second = new RecordingConnector(new LocalDirectoryConnector(TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
        try (TestWorker worker = new TestWorker("adopt", data, fast(second));
             RawClient client = new RawClient(worker.url(), "adopt")) {
            JsonNode list = await().atMost(Duration.ofSeconds(30)).until(client::list,
                    l -> l.at("/connections/kept-1/state").asText().equals("CONNECTED")
                            && l.at("/connections/gone-1/state").asText().equals("DISCONNECTED"));
            assertEquals("CONNECTED", list.at("/connections/kept-2/state").asText());
            assertTrue(second.of("probe", key).size() >= 1, "the existing connection was probed");
            assertEquals(0, second.of("establish", key).size(), "and adopted as it was, not connected again");
            assertTrue(second.of("establish", "file://" + tmp.resolve("missing")).size() >= 1, "the other one is connected");
        }
    }
}
