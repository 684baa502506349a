package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker stopped and started again on the same data dir keeps its CIDs, keys and event seq. */
class RestartIT {
    @TempDir
    Path tmp;

    @Test
    void cidsKeysAndSeqSurviveARestart() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        long seqBefore;
        try (TestWorker worker = new TestWorker("restart", tmp.resolve("data"))) {
            try (RawClient client = new RawClient(worker.url(), "restart")) {
                client.manage("keep-1", "file://" + a);
                client.manage("keep-2", "file://" + a + "/");
                client.manage("gone-1", "file://" + b);
                client.manage("nfs-1", "nfs://Filer:2049/export/?version=4.1");
                client.unmanage("gone-1");
                await().atMost(Duration.ofSeconds(10)).until(() -> client.list().at("/connections/keep-1/state").asText().equals("CONNECTED"));
                seqBefore = client.list().get("seq").asLong();
            }
            worker.stop();

            worker.start();
            try (RawClient client = new RawClient(worker.url(), "restart")) {
                JsonNode list = client.list();
                JsonNode connections = list.get("connections");
                assertEquals("file://" + a, connections.at("/keep-1/connectionKey").asText());
                assertEquals("file://" + a, connections.at("/keep-2/connectionKey").asText());
                assertEquals("nfs://filer/export", connections.at("/nfs-1/connectionKey").asText());
                assertEquals("4.1", connections.at("/nfs-1/connectionInfo/version").asText());
                assertFalse(connections.has("gone-1"));
                assertTrue(list.get("seq").asLong() >= seqBefore);
                // The reloaded connection starts CONNECTING and is connected again by itself; the
                // events of that (published before this client subscribed) took seqs never used before.
                JsonNode after = await().atMost(Duration.ofSeconds(10)).until(client::list,
                        l -> l.at("/connections/keep-1/state").asText().equals("CONNECTED"));
                assertTrue(after.get("seq").asLong() > seqBefore, after.toString());
                assertTrue(client.manage("keep-1", "file://" + a).at("/result/alreadyManaged").asBoolean());
                client.manage("new-1", "file://" + b);
                JsonNode managed = await().atMost(Duration.ofSeconds(10)).until(() -> client.events.stream()
                        .filter(e -> e.get("changedIds").toString().contains("new-1")).findFirst().orElse(null), e -> e != null);
                assertEquals(after.get("seq").asLong() + 1, managed.get("seq").asLong(), managed.toString());
            }
        }
    }
}
