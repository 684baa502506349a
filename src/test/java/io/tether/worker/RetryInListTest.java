package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Schemas;
import io.tether.connection.Retry;
import io.tether.sealing.SealingKey;
import io.tether.uri.ConnectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The list shows the monitor's retry of a connection. Contract: while the monitor retries it, each
 * CID's entry has {@code retry} (failures in a row, next attempt), valid by the response schema;
 * once the monitor plans no retry (connected, or given up) the member is gone; and a restart, which
 * starts the count again, shows none until the monitor plans one.
 */
class RetryInListTest {
    @TempDir
    static Path keyDir;
    static SealingKey sealingKey;
    @TempDir
    Path tmp;
    WorkerState worker;
    ConnectionKey key;

    @BeforeAll
    static void makeKey() throws Exception {
        sealingKey = SealingKey.open(keyDir.resolve("sealing-key.jwk"));
    }

    @BeforeEach
    void manage() throws Exception {
        String uri = "file://" + Files.createDirectories(tmp.resolve("storage"));
        key = new ConnectionKey(uri);
        worker = new WorkerState(tmp, sealingKey);
        worker.start();
        worker.call("manageStorageServer", "{\"connectionId\":\"a\",\"uri\":\"" + uri + "\"}");
        worker.call("manageStorageServer", "{\"connectionId\":\"b\",\"uri\":\"" + uri + "\"}");
    }

    @AfterEach
    void close() {
        worker.close();
    }

    @Test
    void eachCidOfARetriedConnectionShowsTheRetryUntilNoneIsPlanned() throws Exception {
        Instant next = Instant.parse("2026-12-04T10:42:00Z");
        worker.service.planned(key, new Retry(3, next));
        JsonNode result = worker.call("getStorageServerList", "{}").get("result");
        assertTrue(Schemas.problems("getStorageServerList.response", result).isEmpty(),
                Schemas.problems("getStorageServerList.response", result).toString());
        for (String cid : new String[] {"a", "b"}) {
            JsonNode retry = result.at("/connections/" + cid + "/retry");
            assertEquals(3, retry.get("failures").asInt());
            assertEquals(next.toString(), retry.get("nextAttemptAt").asText());
        }
        worker.service.planned(key, null);
        assertFalse(worker.list().get("a").has("retry"));
    }

    @Test
    void aRestartShowsNoRetryUntilTheMonitorPlansOne() throws Exception {
        worker.service.planned(key, new Retry(1, Instant.parse("2026-12-04T10:42:00Z")));
        worker.start();
        assertFalse(worker.list().get("a").has("retry"));
    }
}
