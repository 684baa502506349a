package io.tether.metrics;

import static io.tether.testing.Http.get;
import static io.tether.testing.Http.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.broker.EmbeddedBroker;
import io.tether.testing.Http;
import io.tether.testing.TcpProxy;
import io.tether.testing.TestWorker;
import io.tether.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /readyz follows the broker connection: the network to the broker cut, it is 503 and its JSON names
 * the broker check (and tether_readiness_check says 0) while /livez stays 200; the network back,
 * the worker reconnects and is ready again.
 */
class ReadinessIT {
    @TempDir
    Path tmp;

    @Test
    void notReadyWhileTheBrokerIsUnreachable() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(tmp.resolve("broker"), TestWorker.freePort(), "ready");
             TcpProxy network = new TcpProxy(Integer.parseInt(broker.url().replaceAll(".*:", "")));
             TestWorker worker = new TestWorker(TestWorker.withHttp(
                     WorkerConfig.external("ready", tmp.resolve("data"), "amqp://127.0.0.1:" + network.port())
                             .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials(broker.workerLogin().user(), broker.workerLogin().password())))) {
            String url = worker.httpUrl();
            assertEquals(200, get(url + "/readyz").statusCode());

            network.cut();
            Http.Response unready = await().atMost(Duration.ofSeconds(30))
                    .until(() -> get(url + "/readyz"), r -> r.statusCode() == 503);
            JsonNode body = JsonRpc.MAPPER.readTree(unready.body());
            assertEquals("failed", body.get("status").asText());
            assertEquals("broker", body.at("/failed/0").asText(), unready.body());
            assertFalse(body.at("/checks/broker/ok").asBoolean());
            assertEquals("the connection for requests is down; reconnecting", body.at("/checks/broker/detail").asText());
            assertEquals(0, value(get(url + "/metrics").body(), "tether_readiness_check", "check", "broker"));
            assertEquals(1, value(get(url + "/metrics").body(), "tether_readiness_check", "check", "store"));
            assertEquals(200, get(url + "/livez").statusCode(), "alive all the same: it is reconnecting");

            network.restore();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(url + "/readyz").statusCode() == 200);
            assertEquals(1, value(get(url + "/metrics").body(), "tether_readiness_check", "check", "broker"));
        }
    }
}
