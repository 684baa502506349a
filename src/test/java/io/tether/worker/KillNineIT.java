package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker process (with its embedded broker) is killed with SIGKILL: every replied manage is still
 * there after a restart, no replied unmanage comes back, requests the broker had accepted but the
 * worker had not answered are processed after the restart, and the event seq moves on.
 */
class KillNineIT {
    @TempDir
    Path tmp;

    @Test
    void repliedChangesSurviveKillNineAndAcceptedRequestsAreNotLost() throws Exception {
        Path data = tmp.resolve("data");
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        int port = TestWorker.freePort();
        Path log = tmp.resolve("worker.log");
        Set<String> repliedManaged = new HashSet<>();
        long seqBefore;
        int burst = 300;
        try (WorkerProcess worker = new WorkerProcess("k9", data, port, log).start()) {
            try (RawClient client = new RawClient(TestWorker.engineUrl(port, data), "k9")) {
                for (int i = 0; i < 40; i++) {
                    Files.createDirectories(storage.resolve("d" + (i % 4)));
                    JsonNode reply = client.manage("k9-" + i, "file://" + storage.resolve("d" + (i % 4)));
                    assertFalse(reply.at("/result/alreadyManaged").asBoolean());
                    repliedManaged.add("k9-" + i);
                }
                for (int i = 0; i < 10; i++) {
                    assertTrue(client.unmanage("k9-" + i).get("result").isObject());
                    repliedManaged.remove("k9-" + i);
                }
                seqBefore = client.list().get("seq").asLong();
                // A burst the worker is still working through when it dies: the broker has them all.
                for (int i = 0; i < burst; i++) {
                    TextMessage m = client.session().createTextMessage(JsonRpc.MAPPER.createObjectNode()
                            .put("jsonrpc", "2.0").put("id", i).put("method", "manageStorageServer")
                            .set("params", JsonRpc.MAPPER.createObjectNode().put("connectionId", "burst-" + i)
                                    .put("uri", "file://" + storage.resolve("d0"))).toString());
                    client.sendRaw(m, false);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> client.receive(5000) != null);
            }
            assertEquals(137, worker.kill9(), "killed while running (JVM exit code 128+9)");

            worker.start();
            try (RawClient client = new RawClient(TestWorker.engineUrl(port, data), "k9")) {
                JsonNode connections = client.list().get("connections");
                for (String cid : repliedManaged) {
                    assertEquals("file://" + storage.resolve("d" + (Integer.parseInt(cid.substring(3)) % 4)),
                            connections.at("/" + cid + "/connectionKey").asText(), cid);
                }
                for (int i = 0; i < 10; i++) {
                    assertFalse(connections.has("k9-" + i), "unmanaged k9-" + i + " came back");
                }
                JsonNode all = await().atMost(Duration.ofSeconds(60)).until(client::list, l -> {
                    for (int i = 0; i < burst; i++) {
                        if (!l.get("connections").has("burst-" + i)) {
                            return false;
                        }
                    }
                    return true;
                });
                assertTrue(all.get("seq").asLong() > seqBefore);
                assertEquals(repliedManaged.size() + burst, all.get("connections").size(), "no CID nobody managed");
            }
            long beforeStop = Files.size(log);
            assertEquals(143, worker.terminate(), "SIGTERM ends the worker cleanly (JVM exit code 128+15)");
            String stopping = Files.readString(log).substring((int) beforeStop);
            assertTrue(stopping.contains("worker for host k9 stopped"), stopping);
            assertEquals(List.of(), stopping.lines().filter(l -> l.matches(".* (WARN|ERROR) .*")).toList(),
                    "a clean stop logs no WARN or ERROR");
        }
    }
}
