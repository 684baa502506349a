package io.tether.vdsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Results;
import io.tether.broker.StompAcceptor;
import io.tether.client.TetherClient;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcClient;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcRequest;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcResponse;
import org.ovirt.vdsm.jsonrpc.client.RequestBuilder;
import org.ovirt.vdsm.jsonrpc.client.internal.ResponseWorker;
import org.ovirt.vdsm.jsonrpc.client.reactors.Reactor;
import org.ovirt.vdsm.jsonrpc.client.reactors.ReactorClient;
import org.ovirt.vdsm.jsonrpc.client.reactors.ReactorFactory;
import org.ovirt.vdsm.jsonrpc.client.reactors.ReactorType;
import org.ovirt.vdsm.jsonrpc.client.reactors.stomp.StompClientPolicy;

/**
 * VDSM's engine client (oVirt's vdsm-jsonrpc-java, the real library) against a real worker with
 * its embedded broker's STOMP acceptor and the VDSM gateway.
 */
class VdsmStompTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    private TestWorker worker;
    private VdsmGateway gateway;
    private int stompPort;
    private Reactor reactor;
    private ResponseWorker responses;
    private JsonRpcClient engine;

    @BeforeEach
    void start() throws Exception {
        worker = new TestWorker("h1", tmp.resolve("worker"));
        startGateway();
        reactor = ReactorFactory.getReactor(null, ReactorType.STOMP);
        responses = ReactorFactory.getWorker(2);
        ReactorClient client = reactor.createClient("127.0.0.1", stompPort);
        client.setClientPolicy(new StompClientPolicy(5_000, 3, 10_000, VdsmGateway.REQUESTS, VdsmGateway.RESPONSES));
        client.getRetryPolicy().setIdentifier("engine-test");
        engine = responses.register(client);
        engine.setRetryPolicy(new org.ovirt.vdsm.jsonrpc.client.internal.ClientPolicy(5_000, 3, 0));
    }

    private void startGateway() throws Exception {
        var broker = worker.worker().embeddedBroker().orElseThrow();
        var login = broker.openVdsmStomp(new StompAcceptor("127.0.0.1", stompPort, null));
        stompPort = broker.vdsmStompPort();
        gateway = VdsmGateway.start(worker.worker().brokerUrl(), login, "h1", Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (responses != null) {
            responses.close();
        }
        if (reactor != null) {
            reactor.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (worker != null) {
            worker.close();
        }
    }

    private JsonRpcResponse call(JsonRpcRequest request) throws Exception {
        return engine.call(request).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static JsonRpcRequest connect(String method, int domainType, Map<String, Object> connection) {
        return new RequestBuilder(method).withParameter("storagepoolID", "00000000-0000-0000-0000-000000000000")
                .withParameter("domainType", domainType).withParameter("connectionParams", List.of(connection)).build();
    }

    @Test
    void engineConnectsAndDisconnectsSharingTheConnectionWithANewStyleClient() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Map<String, Object> params = Map.of("id", "c1", "connection", data.toString());

        JsonNode statuses = call(connect("StoragePool.connectStorageServer", DomainType.LOCALFS.number(), params)).getResult();
        assertEquals(1, statuses.size());
        assertEquals("c1", statuses.get(0).get("id").asText());
        assertEquals(0, statuses.get(0).get("status").asInt(), statuses.toString());

        try (TetherClient tether = TetherClient.connect(worker.plainUrl(), () -> engineLogin())) {
            Results.StorageServerList list = tether.list("h1", null, TIMEOUT);
            assertTrue(list.connections().containsKey("vdsm-c1"), list.toString());
            Results.Managed other = tether.manage("h1", "flow-data", "file://" + data, TIMEOUT);
            assertEquals(list.connections().get("vdsm-c1").connectionKey(), other.connectionKey());

            JsonNode disconnected = call(connect("StoragePool.disconnectStorageServer", DomainType.LOCALFS.number(), params)).getResult();
            assertEquals(0, disconnected.get(0).get("status").asInt());

            Results.StorageServerList after = tether.list("h1", null, TIMEOUT);
            assertFalse(after.connections().containsKey("vdsm-c1"));
            assertTrue(after.connections().get("flow-data").connected(), after.toString());
        }
    }

    @Test
    void aConnectionThatFailsAnswersVdsmsErrorNumber() throws Exception {
        Map<String, Object> params = Map.of("id", "c2", "connection", tmp.resolve("missing").toString());
        JsonNode statuses = call(connect("StoragePool.connectStorageServer", DomainType.LOCALFS.number(), params)).getResult();
        assertEquals(453, statuses.get(0).get("status").asInt(), statuses.toString());
    }

    @Test
    void pingAnswersAndOtherMethodsAreNotFound() throws Exception {
        assertTrue(call(new RequestBuilder("Host.ping2").build()).getResult().asBoolean());
        assertTrue(call(new RequestBuilder("Host.confirmConnectivity").build()).getResult().asBoolean());
        JsonNode error = call(new RequestBuilder("Host.getCapabilities").build()).getError();
        assertEquals(-32601, error.get("code").asInt());
    }

    @Test
    void theClientReconnectsAfterAWorkerRestart() throws Exception {
        assertTrue(call(new RequestBuilder("Host.ping2").build()).getResult().asBoolean());
        gateway.close();
        worker.stop();
        worker.start();
        startGateway();
        org.awaitility.Awaitility.await().atMost(TIMEOUT).ignoreExceptions()
                .until(() -> engine.call(new RequestBuilder("Host.ping2").build()).get(2, TimeUnit.SECONDS).getResult().asBoolean());
    }

    private io.tether.amqp.BrokerCredentials engineLogin() {
        try {
            return worker.engineLogin();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
