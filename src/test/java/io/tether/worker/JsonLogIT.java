package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.Http;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar tether.jar worker --log-format json --http-address 127.0.0.1:PORT}: every log
 * line is a JSON object, the lines about a CID carry the host id, the CID and the connection key as
 * fields, and the process serves its metrics where it was told to.
 */
class JsonLogIT {
    @TempDir
    Path tmp;

    @Test
    void everyLineIsJsonWithTheHostCidAndKeyAndMetricsAreServed() throws Exception {
        Path data = tmp.resolve("data");
        Path log = tmp.resolve("worker.log");
        int port = TestWorker.freePort();
        int httpPort = TestWorker.freePort();
        String storage = "file://" + Files.createDirectories(tmp.resolve("storage"));
        String key;
        try (WorkerProcess worker = new WorkerProcess("json", data, port, log)
                .with("--log-format", "json", "--http-address", "127.0.0.1:" + httpPort).start();
             RawClient client = new RawClient(TestWorker.engineUrl(port, data), "json")) {
            key = client.manage("json-1", storage).at("/result/connectionKey").asText();
            String metrics = Http.get("http://127.0.0.1:" + httpPort + "/metrics").body();
            assertEquals(1, Http.value(metrics, "tether_cids"));
            assertEquals(1, Http.value(metrics, "tether_worker_info", "host", "json"));
            assertEquals(200, Http.get("http://127.0.0.1:" + httpPort + "/readyz").statusCode());
            client.unmanage("json-1");
            assertEquals(143, worker.terminate(), "SIGTERM ends the worker cleanly (JVM exit code 128+15)");
        }

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{")) {
                lines.add(JsonRpc.MAPPER.readTree(line));
            } else {
                // Only the banner the worker prints on stdout (the same file here) is not a log line.
                assertTrue(line.startsWith("Tether worker running") || line.startsWith("  ") || line.startsWith("Stop with"),
                        "not a JSON log line: " + line);
            }
        }
        JsonNode managed = lines.stream().filter(l -> l.path("formattedMessage").asText().endsWith(" managed (" + storage + ")"))
                .findFirst().orElseThrow(() -> new AssertionError("no 'managed' line in " + lines));
        assertEquals("json", managed.at("/context/properties/host").asText(), managed.toString());
        assertEquals("json-1", managed.at("/mdc/cid").asText(), managed.toString());
        assertEquals(key, managed.at("/mdc/key").asText(), managed.toString());
        assertEquals("INFO", managed.get("level").asText());

        JsonNode connected = lines.stream().filter(l -> l.path("formattedMessage").asText().equals("key=" + key + " CONNECTED"))
                .findFirst().orElseThrow(() -> new AssertionError("no CONNECTED line in " + lines));
        assertEquals(key, connected.at("/mdc/key").asText(), connected.toString());
        assertTrue(lines.stream().allMatch(l -> l.at("/context/properties/host").asText().equals("json")),
                "every line names the host");
        assertTrue(lines.stream().anyMatch(l -> l.path("formattedMessage").asText()
                .equals("metrics on http://127.0.0.1:" + httpPort + "/metrics, health on /livez and /readyz")));
        assertFalse(lines.stream().anyMatch(l -> List.of("WARN", "ERROR").contains(l.get("level").asText())),
                "a clean stop logs no WARN or ERROR: " + lines);
    }
}
