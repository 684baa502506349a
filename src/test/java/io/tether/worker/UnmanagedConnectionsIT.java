package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Schemas;
import io.tether.testing.Host;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mount made by hand under the mount root shows in the list as unmanaged (needs root for mount). */
class UnmanagedConnectionsIT {
    @TempDir
    Path tmp;
    private Path mounted;

    @AfterEach
    void unmount() {
        Host.unmount(mounted);
    }

    @Test
    void aMountNoCidOwnsIsListedAsUnmanaged() throws Exception {
        try (TestWorker worker = new TestWorker("unmanaged", tmp.resolve("data"));
             RawClient client = new RawClient(worker.url(), "unmanaged")) {
            Path point = Files.createDirectories(worker.config().mountRoot().resolve("by_hand"));
            mounted = Host.mountTmpfs(point, "1m", "handmade");
            client.manage("mine-1", "file://" + Files.createDirectories(tmp.resolve("mine")));

            JsonNode list = client.list();
            JsonNode entry = list.at("/connections/unmanaged-1");
            assertFalse(entry.get("managed").asBoolean());
            assertEquals(true, entry.get("connected").asBoolean());
            assertEquals("posix", entry.at("/connectionInfo/type").asText());
            assertEquals("tmpfs", entry.at("/connectionInfo/vfsType").asText());
            assertEquals("handmade", entry.at("/connectionInfo/source").asText());
            assertEquals(point.toString(), entry.at("/connectionInfo/mountPoint").asText());
            assertEquals(2, list.get("connections").size(), "the managed CID and the hand-made mount");
            assertEquals(java.util.List.of(), Schemas.problems("getStorageServerList.response", list));
            // A prefix asks for CIDs only.
            assertEquals(1, client.call("getStorageServerList", "{\"connectionIdPrefix\":\"mine\"}").at("/result/connections").size());
        }
    }
}
