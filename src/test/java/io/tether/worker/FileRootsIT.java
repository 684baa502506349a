package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.connector.FileRoots;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code file://} URI names a directory for the root worker to look at: through a real worker,
 * only the directories its operator allows ({@code --allow-file-root}) may be named. Outside them,
 * the request is refused with -32602 before anything is stored or looked at (a request could ask
 * whether any path exists, {@code file:///root/...}, or point into {@code /proc}); a link below a
 * root that leads out of it, and a CID stored before the roots narrowed, are refused by the
 * connector (453).
 */
class FileRootsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void onlyTheOperatorsDirectoriesMayBeNamed() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Path inside = Files.createDirectories(storage.resolve("inside"));
        Path out = Files.createSymbolicLink(storage.resolve("out"), Path.of("/etc"));
        FileRoots roots = FileRoots.of(List.of(storage.toString()));
        Path data = tmp.resolve("data");
        try (TestWorker worker = new TestWorker("roots", data, c -> c.withFileRoots(roots));
             RawClient client = new RawClient(worker.url(), "roots")) {
            for (String uri : List.of("file:///root/.ssh", "file:///proc/self/root/etc", "file://" + tmp.resolve("elsewhere"))) {
                JsonNode reply = client.manage("outside", uri);
                assertEquals(-32602, reply.at("/error/code").asInt(), reply.toString());
                assertEquals("uri", reply.at("/error/data/field").asText());
            }
            assertTrue(client.manage("outside", "file:///root/.ssh").at("/error/message").asText()
                    .endsWith("the host's operator can allow a directory with --allow-file-root DIR"));
            assertEquals(0, client.list().get("connections").size(), "nothing stored");
            assertEquals(List.of(), client.events, "no event");

            client.manage("inside", "file://" + inside);
            client.awaitEvent("file://" + inside, "STATE", "CONNECTED", 0, WAIT);
            client.manage("link-out", "file://" + out);
            JsonNode refused = client.awaitEvent("file://" + out, "STATE", "DISCONNECTED", 0, WAIT);
            assertEquals(453, refused.at("/lastError/code").asInt());
            assertTrue(refused.at("/lastError/message").asText().startsWith("directory " + out + " is /etc, outside"),
                    refused.toString());
        }

        // Started again with no roots: the CID stored meanwhile is refused by the connector, with the same advice.
        try (TestWorker worker = new TestWorker("roots", data, c -> c.withFileRoots(FileRoots.NONE));
             RawClient client = new RawClient(worker.url(), "roots")) {
            // Its first reconcile may come before this client subscribed to events: the list tells.
            JsonNode down = await().atMost(WAIT).until(() -> client.list().at("/connections/inside"),
                    entry -> entry.at("/lastError/code").asInt() == 453);
            assertEquals("DISCONNECTED", down.at("/state").asText());
            assertEquals("file uri path " + inside + " is outside the directories this host lets file:// URIs name (none);"
                    + " the host's operator can allow a directory with --allow-file-root DIR", down.at("/lastError/message").asText());
        }
    }
}
