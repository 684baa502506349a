package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.testing.Host;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
