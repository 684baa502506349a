package io.tether.vdsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.client.TetherClient;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import io.tether.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ovirt.vdsm.jsonrpc.client.RequestBuilder;

/**
 * VDSM's engine client (oVirt's vdsm-jsonrpc-java) through a standalone Artemis set up as
 * docs/operations.md says: setup-broker.sh puts the build's VDSM_STOMP jar into the instance's lib/
 * and adds the gateway's login, broker.xml's vdsm-stomp acceptor is enabled, and a worker on that
 * broker runs its VDSM gateway with that login.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VdsmStandaloneBrokerIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void anEngineConnectsThroughTheStandaloneBrokersStompAcceptor() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        try (StandaloneArtemis broker = StandaloneArtemis.withVdsmStomp(Files.createDirectories(tmp.resolve("artemis")), "h1");
             TestWorker worker = new TestWorker(WorkerConfig.external("h1", tmp.resolve("h1"), broker.url())
                     .withFileRoots(TestWorker.FILE_ROOTS)
                     .withBrokerCredentials(broker.hostLogin("h1").user(), broker.hostLogin("h1").password()));
             VdsmGateway gateway = VdsmGateway.start(broker.url(), broker.vdsmGatewayLogin(), "h1", Duration.ofSeconds(20));
             EngineClient engine = EngineClient.plain("127.0.0.1", broker.vdsmStompPort(), DEADLINE)) {
            assertTrue(Files.isRegularFile(broker.instance().resolve("lib/tether-vdsm-stomp.jar")));
            assertTrue(engine.call(new RequestBuilder("Host.ping2").build()).getResult().asBoolean());

            JsonNode statuses = engine.call(new RequestBuilder("StoragePool.connectStorageServer")
                    .withParameter("storagepoolID", "00000000-0000-0000-0000-000000000000")
                    .withParameter("domainType", DomainType.LOCALFS.number())
                    .withParameter("connectionParams", List.of(Map.of("id", "c1", "connection", data.toString())))
                    .build()).getResult();
            assertEquals("c1", statuses.get(0).get("id").asText(), statuses.toString());
            assertEquals(0, statuses.get(0).get("status").asInt(), statuses.toString());

            BrokerCredentials engineLogin = broker.engineLogin();
            try (TetherClient tether = TetherClient.connect(broker.url(), () -> engineLogin)) {
                assertTrue(tether.list("h1", "vdsm-", DEADLINE).connections().get("vdsm-c1").connected());
            }
        }
    }
}
