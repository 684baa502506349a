package io.tether.vdsm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.Results;
import io.tether.broker.StompAcceptor;
import io.tether.client.TetherClient;
import io.tether.connector.CommandRunner;
import io.tether.connector.LocalDirectoryConnector;
import io.tether.connector.MountTable;
import io.tether.testing.LogLines;
import io.tether.testing.RecordingConnector;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcRequest;
import org.ovirt.vdsm.jsonrpc.client.RequestBuilder;

/**
 * VDSM's engine client (oVirt's vdsm-jsonrpc-java, the library engines use) against a real worker:
 * its embedded broker's STOMP acceptor and the VDSM gateway, storage in local directories. Every
 * wait has a deadline ({@link EngineClient}), and each test a timeout, so a client that never
 * answers fails the test instead of holding the build.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VdsmStompIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String NO_POOL = "00000000-0000-0000-0000-000000000000";

    @TempDir
    Path tmp;
    private final RecordingConnector directories = new RecordingConnector(new LocalDirectoryConnector(
            TestWorker.FILE_ROOTS, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)));
    private TestWorker worker;
    private VdsmGateway gateway;
    private EngineClient engine;

    /** Starts the worker (again, on the same data dir) with VDSM's listener at {@code acceptor}; returns its port. */
    private int startWorker(StompAcceptor acceptor) throws Exception {
        if (worker == null) {
            worker = new TestWorker("h1", tmp.resolve("worker"), c -> c.withConnector(StorageType.FILE, directories));
        } else {
            worker.start();
        }
        var broker = worker.worker().embeddedBroker().orElseThrow();
        BrokerCredentials login = broker.openVdsmStomp(acceptor);
        gateway = VdsmGateway.start(worker.worker().brokerUrl(), login, "h1", Duration.ofSeconds(20));
        return broker.vdsmStompPort();
    }

    private void stopWorker() throws Exception {
        gateway.close();
        worker.stop();
    }

    private void startPlain() throws Exception {
        int port = startWorker(new StompAcceptor("127.0.0.1", 0, null));
        engine = EngineClient.plain("127.0.0.1", port, DEADLINE);
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (worker != null) {
            worker.close();
        }
    }

    private static JsonRpcRequest storageCall(String verb, DomainType type, List<Map<String, Object>> connections) {
        return new RequestBuilder("StoragePool." + verb).withParameter("storagepoolID", NO_POOL)
                .withParameter("domainType", type.number()).withParameter("connectionParams", connections).build();
    }

    private JsonNode connect(DomainType type, Map<String, Object> connection) throws Exception {
        return engine.call(storageCall("connectStorageServer", type, List.of(connection))).getResult();
    }

    private JsonNode disconnect(DomainType type, Map<String, Object> connection) throws Exception {
        return engine.call(storageCall("disconnectStorageServer", type, List.of(connection))).getResult();
    }

    private TetherClient tether() throws Exception {
        BrokerCredentials login = worker.engineLogin();
        return TetherClient.connect(worker.plainUrl(), () -> login);
    }

    private long calls(String kind) {
        return directories.calls.stream().filter(c -> c.kind().equals(kind)).count();
    }

    @Test
    void pingAnswersAndOtherMethodsAreNotFound() throws Exception {
        startPlain();
        assertTrue(engine.call(new RequestBuilder("Host.ping2").build()).getResult().asBoolean());
        assertTrue(engine.call(new RequestBuilder("Host.confirmConnectivity").build()).getResult().asBoolean());
        JsonNode error = engine.call(new RequestBuilder("Host.getCapabilities").build()).getError();
        assertEquals(-32601, error.get("code").asInt(), error.toString());
    }

    /**
     * The worker's side of a stop: what the worker and its broker log, not the engine's client,
     * which runs in this JVM too and logs its own reconnects.
     */
    private static List<String> workersWarnings(LogLines warnings) {
        return warnings.lines().stream().filter(line -> !line.contains(" org.ovirt.")).toList();
    }

    @Test
    void aStopWithAnEngineConnectedLogsNoWarning() throws Exception {
        startPlain();
        Path data = Files.createDirectory(tmp.resolve("data"));
        assertEquals(0, connect(DomainType.LOCALFS, Map.of("id", "c1", "connection", data.toString())).get(0)
                .get("status").asInt());
        try (LogLines warnings = LogLines.warnings()) {
            stopWorker();
            assertEquals(List.of(), workersWarnings(warnings), "a clean stop logs no WARN or ERROR");
        }
    }

    @Test
    void anEngineAndANewStyleClientShareOneHostConnectionCountedByCid() throws Exception {
        startPlain();
        Path data = Files.createDirectory(tmp.resolve("data"));
        Map<String, Object> params = Map.of("id", "c1", "connection", data.toString());

        JsonNode statuses = connect(DomainType.LOCALFS, params);
        assertEquals(1, statuses.size(), statuses.toString());
        assertEquals("c1", statuses.get(0).get("id").asText());
        assertEquals(0, statuses.get(0).get("status").asInt(), statuses.toString());

        try (TetherClient tether = tether()) {
            Results.StorageServerList list = tether.list("h1", "vdsm-", DEADLINE);
            Results.Entry engines = list.connections().get("vdsm-c1");
            assertTrue(engines != null && engines.connected(), list.toString());

            Results.Managed other = tether.manage("h1", "flow-data", "file://" + data, DEADLINE);
            assertEquals(engines.connectionKey(), other.connectionKey());
            assertEquals(TetherClient.WaitOutcome.CONNECTED, tether.awaitConnected("h1", "flow-data", DEADLINE).outcome());
            assertEquals(1, tether.list("h1", null, DEADLINE).connections().values().stream()
                    .map(Results.Entry::connectionKey).distinct().count(), "one host connection for both CIDs");

            JsonNode disconnected = disconnect(DomainType.LOCALFS, params);
            assertEquals(0, disconnected.get(0).get("status").asInt(), disconnected.toString());
            Results.StorageServerList after = tether.list("h1", null, DEADLINE);
            assertFalse(after.connections().containsKey("vdsm-c1"), after.toString());
            assertTrue(after.connections().get("flow-data").connected(), after.toString());
            assertEquals(0, calls("disconnect"), "still held by flow-data: " + directories.calls);

            tether.unmanage("h1", "flow-data", DEADLINE);
            await().atMost(DEADLINE).until(() -> calls("disconnect") == 1);
        }
    }

    @Test
    void aConnectionThatFailsAnswersVdsmsErrorNumber() throws Exception {
        startPlain();
        Path data = Files.createDirectory(tmp.resolve("data"));
        Map<String, Object> missing = Map.of("id", "gone", "connection", tmp.resolve("missing").toString());
        Map<String, Object> present = Map.of("id", "here", "connection", data.toString());

        JsonNode statuses = engine.call(storageCall("connectStorageServer", DomainType.LOCALFS, List.of(missing, present)))
                .getResult();
        assertEquals("gone", statuses.get(0).get("id").asText());
        assertEquals(ConnectStatus.INVALID_PARAMETER, statuses.get(0).get("status").asInt(), statuses.toString());
        assertEquals("here", statuses.get(1).get("id").asText());
        assertEquals(0, statuses.get(1).get("status").asInt(), statuses.toString());

        // An NFS server that refuses the connection: VDSM's mount fails, a MountError.
        int closed = closedPort();
        JsonNode refused = connect(DomainType.NFS, Map.of("id", "nfs1", "connection", "127.0.0.1:/export", "port",
                Integer.toString(closed)));
        assertEquals(477, refused.get(0).get("status").asInt(), refused.toString());

        // FCP: VDSM has nothing to connect either, and answers 0; nothing is managed.
        JsonNode fcp = connect(DomainType.FCP, Map.of("id", "f1", "connection", "anything"));
        assertEquals(0, fcp.get(0).get("status").asInt(), fcp.toString());
        try (TetherClient tether = tether()) {
            assertFalse(tether.list("h1", "vdsm-", DEADLINE).connections().containsKey("vdsm-f1"));
        }
    }

    /** A loopback port nothing listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * The parameters VDSM's own API schema names for a connection (lib/vdsm/api/vdsm-api.yml in
     * oVirt's vdsm: StoragePool.connectStorageServer, whose connectionParams are
     * ConnectionRefParameters and whose domainType is a StorageDomainTypeId), with the values VDSM's
     * tests send (tests/storage/hsm_connect_test.py in the same repository): every field an engine
     * sends, most of them null, which must be read as absent.
     */
    @Test
    void vdsmsOwnExampleParametersConnectAndDisconnect() throws Exception {
        startPlain();
        Path sd = Files.createDirectory(tmp.resolve("my_sd"));
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("id", "success-1");
        example.put("connection", sd.toString());
        example.put("protocol_version", "3");
        example.put("iqn", null);
        example.put("vfsType", null);
        example.put("mountOptions", null);
        example.put("nfsVersion", "AUTO");
        example.put("nfsRetrans", null);
        example.put("nfsTimeo", null);
        example.put("iface", null);
        example.put("netIfaceName", null);
        example.put("port", "3660");
        example.put("user", "");
        example.put("password", "");
        example.put("tpgt", "1");

        JsonNode statuses = connect(DomainType.LOCALFS, example);
        assertEquals(0, statuses.get(0).get("status").asInt(), statuses.toString());
        try (TetherClient tether = tether()) {
            assertTrue(tether.list("h1", "vdsm-", DEADLINE).connections().get("vdsm-success-1").connected());
            assertEquals(0, disconnect(DomainType.LOCALFS, example).get(0).get("status").asInt());
            assertFalse(tether.list("h1", "vdsm-", DEADLINE).connections().containsKey("vdsm-success-1"));
        }
        // Disconnecting what is not connected is no error to VDSM either.
        assertEquals(0, disconnect(DomainType.LOCALFS, example).get(0).get("status").asInt());
    }

    @Test
    void theClientReconnectsAfterAWorkerRestart() throws Exception {
        int port = startWorker(new StompAcceptor("127.0.0.1", 0, null));
        engine = EngineClient.plain("127.0.0.1", port, DEADLINE);
        Path data = Files.createDirectory(tmp.resolve("data"));
        assertEquals(0, connect(DomainType.LOCALFS, Map.of("id", "c1", "connection", data.toString())).get(0)
                .get("status").asInt());

        stopWorker();
        assertEquals(port, startWorker(new StompAcceptor("127.0.0.1", port, null)));

        await().atMost(DEADLINE).ignoreExceptions()
                .until(() -> engine.call(new RequestBuilder("Host.ping2").build()).getResult().asBoolean());
        try (TetherClient tether = tether()) {
            await().atMost(DEADLINE).until(() -> tether.list("h1", "vdsm-", DEADLINE).connections().get("vdsm-c1").connected());
        }
    }

    @Test
    void overTlsTheWorkerAdmitsOnlyTheEngineItTrusts() throws Exception {
        char[] secret = "made-here".toCharArray();
        Path host = keyPair("host", "CN=localhost", "san=ip:127.0.0.1,dns:localhost");
        Path engineKeys = keyPair("engine", "CN=engine", null);
        Path stranger = keyPair("stranger", "CN=stranger", null);
        Path engineTrusted = trustStore("host-trusts-engine", engineKeys);

        int port = startWorker(new StompAcceptor("127.0.0.1", 0,
                new StompAcceptor.Tls(host, new String(secret), engineTrusted, new String(secret))));
        engine = EngineClient.tls(sslContext(engineKeys, trustStore("engine-trusts-host", host)), "127.0.0.1", port,
                DEADLINE);
        // The client gives a TLS handshake half a second, then gives up the call (an engine calls
        // again later): the first handshake of a JVM may take longer on a loaded machine.
        await().atMost(DEADLINE).ignoreExceptions()
                .until(() -> engine.call(new RequestBuilder("Host.ping2").build()).getResult().asBoolean());

        // A client whose certificate the trust store does not hold is refused in the handshake.
        SSLContext strangers = sslContext(stranger, trustStore("stranger-trusts-host", host));
        try (SSLSocket socket = (SSLSocket) strangers.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout((int) DEADLINE.toMillis());
            assertThrows(IOException.class, () -> {
                socket.startHandshake();
                socket.getOutputStream().write("CONNECT\naccept-version:1.2\n\n\0".getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() < 0) {
                    throw new IOException("closed");
                }
            });
        }
        try (EngineClient other = EngineClient.tls(strangers, "127.0.0.1", port, Duration.ofSeconds(5))) {
            assertThrows(Exception.class, () -> other.call(new RequestBuilder("Host.ping2").build()));
        }
    }

    /** A PKCS12 key store holding one key pair and its self-signed certificate, made by the JDK's keytool. */
    private Path keyPair(String name, String dname, String san) throws Exception {
        Path store = tmp.resolve(name + ".p12");
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-keyalg", "EC",
                "-groupname", "secp256r1", "-alias", name, "-dname", dname, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "made-here"));
        if (san != null) {
            command.addAll(List.of("-ext", san));
        }
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, keytool.exitValue(), said);
        return store;
    }

    /** A PKCS12 trust store holding the certificate of {@code keyPair}'s store. */
    private Path trustStore(String name, Path keyPair) throws Exception {
        KeyStore keys = load(keyPair);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("trusted", keys.getCertificate(keys.aliases().nextElement()));
        Path store = tmp.resolve(name + ".p12");
        try (OutputStream out = Files.newOutputStream(store)) {
            trust.store(out, "made-here".toCharArray());
        }
        return store;
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "made-here".toCharArray());
        }
        return keys;
    }

    /** The engine's TLS: its own key pair, trusting the host's certificate, as the engine's client sets it up. */
    private static SSLContext sslContext(Path keyPair, Path trust) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(keyPair), "made-here".toCharArray());
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(load(trust));
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init(keys.getKeyManagers(), trusted.getTrustManagers(), null);
        return context;
    }
}
