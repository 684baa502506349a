package io.tether.vdsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an engine's malformed or hostile call gets back: always an answer in JSON-RPC's shape
 * (where it has an id to answer), never silence, and nothing reaches the worker. The worker is
 * absent here (null): a call that reached it would fail the test with a NullPointerException.
 */
class VdsmVerbsTest {
    private final ExecutorService calls = Executors.newSingleThreadExecutor();
    private final VdsmVerbs verbs = new VdsmVerbs(null, "h1", Duration.ofSeconds(1), calls);

    @AfterEach
    void stop() {
        calls.shutdownNow();
    }

    @Test
    void aBodyThatIsNotJsonGetsAParseErrorWithANullId() throws Exception {
        ObjectNode reply = verbs.answer("{\"jsonrpc\": \"2.0\", \"method\": ");
        assertEquals(-32700, reply.path("error").path("code").asInt());
        assertEquals(true, reply.get("id").isNull());
    }

    @Test
    void jsonThatIsNotARequestObjectIsAnInvalidRequest() throws Exception {
        assertEquals(-32600, verbs.answer("[1, 2]").path("error").path("code").asInt());
        assertEquals(-32600, verbs.answer("\"ping\"").path("error").path("code").asInt());
    }

    @Test
    void connectionsThatAreNotAListOrHaveNoIdAreVdsmsInvalidParameter() throws Exception {
        ObjectNode notAList = verbs.answer("{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"method\":\"StoragePool.connectStorageServer\","
                + "\"params\":{\"domainType\":1,\"connectionParams\":{\"id\":\"c1\"}}}");
        assertEquals(1000, notAList.path("error").path("code").asInt());
        assertEquals("r1", notAList.path("id").asText());
        ObjectNode noId = verbs.answer("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"StoragePool.disconnectStorageServer\","
                + "\"params\":{\"domainType\":1,\"connectionParams\":[{\"connection\":\"nfs.example.com:/e\"}]}}");
        assertEquals(1000, noId.path("error").path("code").asInt());
        assertEquals("Invalid parameter: a connection of connectionParams has no id", noId.path("error").path("message").asText());
        assertEquals(7, noId.path("id").asInt());
    }

    @Test
    void anUnknownMethodIsNotFoundAndANotificationIsNotAnswered() throws Exception {
        assertEquals(-32601, verbs.answer("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Host.getCapabilities\"}")
                .path("error").path("code").asInt());
        assertNull(verbs.answer("{\"jsonrpc\":\"2.0\",\"method\":\"Host.ping2\"}"));
    }
}
