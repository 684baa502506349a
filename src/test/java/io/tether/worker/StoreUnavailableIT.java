package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.testing.Host;
import io.tether.testing.LogLines;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database's file system fills up (a real 16 MiB tmpfs): a manage is answered STORE_UNAVAILABLE
 * with nothing half-done, reads still answer, and once space is free the same request succeeds.
 * Needs root to mount the tmpfs (CI runs as root).
 */
class StoreUnavailableIT {
    @TempDir
    Path tmp;
    private Path mount;

    @AfterEach
    void unmount() {
        Host.unmount(mount);
    }

    @Test
    void diskFullIsStoreUnavailableAndRecovers() throws Exception {
        Path data = tmp.resolve("data");
        mount = Host.mountTmpfs(Files.createDirectories(data.resolve("db")), "16m", "tmpfs");
        // A tmpfs is 1777, open to all, which the worker refuses for its database: made the worker's alone.
        Host.ok(10, "chmod", "700", mount.toString());
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        try (TestWorker worker = new TestWorker("full", data);
             RawClient client = new RawClient(worker.url(), "full")) {
            for (int i = 0; i < 50; i++) {
                assertTrue(client.manage("before-" + i, "file://" + storage).has("result"));
            }

            Path filler = mount.resolve("filler");
            fill(filler);
            JsonNode refused = client.manage("during-1", "file://" + storage);
            assertEquals(4102, refused.at("/error/code").asInt(), refused.toString());
            assertEquals("STORE_UNAVAILABLE", refused.at("/error/data/name").asText());
            JsonNode unmanage = client.unmanage("before-1");
            assertEquals(4102, unmanage.at("/error/code").asInt(), unmanage.toString());

            JsonNode list = client.list().get("connections");
            for (int i = 0; i < 50; i++) {
                assertTrue(list.has("before-" + i), "reads still answer, and the refused unmanage changed nothing");
            }
            assertFalse(list.has("during-1"), "the refused manage left nothing behind");

            Files.delete(filler);
            JsonNode retried = client.manage("during-1", "file://" + storage);
            assertTrue(retried.has("result"), retried.toString());
            assertFalse(retried.at("/result/alreadyManaged").asBoolean());
            worker.stop();
            worker.start();
            try (RawClient after = new RawClient(worker.url(), "full")) {
                JsonNode connections = after.list().get("connections");
                assertTrue(connections.has("during-1"), connections.toString());
                for (int i = 0; i < 50; i++) {
                    assertTrue(connections.has("before-" + i), "nothing managed before the disk filled is lost");
                }
            }
        }
    }

    /**
     * A probe sees the directory gone while the disk is full: the change is not applied, since its
     * event cannot be written (the list still says CONNECTED at the same seq), and once there is
     * space it is recorded with the next seq, so a subscriber sees every change in order, no gap.
     */
    @Test
    void aChangeSeenWhileTheDiskIsFullIsAppliedWithItsEventOnceThereIsSpace() throws Exception {
        Path data = tmp.resolve("data");
        mount = Host.mountTmpfs(Files.createDirectories(data.resolve("db")), "16m", "tmpfs");
        Host.ok(10, "chmod", "700", mount.toString());
        Path storage = Files.createDirectories(tmp.resolve("watched"));
        MonitorSettings fast = MonitorSettings.defaults().withProbeInterval(Duration.ofMillis(300))
                .withRetry(new RetryPolicy(Duration.ofMillis(300), Duration.ofSeconds(1), 2.0, 0.0));
        try (LogLines log = new LogLines(StorageService.class);
             TestWorker worker = new TestWorker("full-event", data, c -> c.withMonitor(fast));
             RawClient client = new RawClient(worker.url(), "full-event")) {
            String key = "file://" + storage;
            client.manage("watched-1", key);
            JsonNode connected = client.awaitEvent(key, "STATE", "CONNECTED", 0, Duration.ofSeconds(60));

            Path filler = mount.resolve("filler");
            fill(filler);
            Files.delete(storage);
            await().atMost(Duration.ofSeconds(60)).until(() -> log.lines().stream()
                    .anyMatch(line -> line.startsWith("key=" + key + " STATE DISCONNECTED not recorded, so not applied")));
            JsonNode during = client.list();
            assertEquals("CONNECTED", during.at("/connections/watched-1/state").asText(), "not applied: " + during);
            assertEquals(connected.get("seq").asLong(), during.get("seq").asLong(), "and no seq handed out");

            Files.delete(filler);
            JsonNode down = client.awaitEvent(key, "STATE", "DISCONNECTED", connected.get("seq").asLong(), Duration.ofSeconds(60));
            assertEquals(connected.get("seq").asLong() + 1, down.get("seq").asLong(), "the next seq: no gap, nothing lost");
            assertEquals(List.of(connected.get("seq").asLong(), down.get("seq").asLong()),
                    client.eventsFor(key).stream().filter(e -> e.get("change").asText().equals("STATE"))
                            .map(e -> e.get("seq").asLong()).toList());
            JsonNode after = client.list();
            assertEquals("DISCONNECTED", after.at("/connections/watched-1/state").asText(), after.toString());
        }
    }

    private static void fill(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException noSpaceLeft) {
            // The file system is full now.
        }
    }
}
