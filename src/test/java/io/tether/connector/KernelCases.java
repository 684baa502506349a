package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.testing.Guest;
import io.tether.testing.GuestWorker;
import io.tether.testing.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every group of {@link KernelIT} works with: the shared guest and its worker, a client of
 * that worker for each test, the guest's server scripts, and the waits on what the worker lists.
 */
abstract class KernelCases {
    // The guest is emulated: on a loaded host a worker's start and first probe in it take minutes.
    // WAIT only ends a wait that would never end; nothing here is timed against it.
    static final Duration WAIT = Duration.ofMinutes(4);
    final Guest guest;
    final GuestWorker worker;
    RawClient client;

    KernelCases(Guest guest, GuestWorker worker) {
        this.guest = guest;
        this.worker = worker;
    }

    /** The guest command that runs {@code src/test/vm/SCRIPT COMMAND}. */
    static String script(String script, String command) {
        return "sh " + Path.of("src/test/vm", script).toAbsolutePath() + " " + command;
    }

    @BeforeEach
    void connect() throws Exception {
        client = worker.client();
    }

    /** Unmanages every managed CID (a client is opened first if the test left none). */
    void unmanageAll() throws Exception {
        if (client == null) {
            client = worker.client();
        }
        for (Map.Entry<String, JsonNode> entry : client.list().get("connections").properties()) {
            if (entry.getValue().path("managed").asBoolean()) {
                client.unmanage(entry.getKey());
            }
        }
    }

    /** The CID's entry in the worker's list (a missing node if it has none). */
    JsonNode entry(String cid) throws Exception {
        return client.list().at("/connections/" + cid);
    }

    /** Waits until the CID is in {@code state}; a timeout names what the last list said instead. */
    void awaitState(String cid, String state) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode list = client.list();
            JsonNode entry = list.at("/connections/" + cid);
            assertEquals(state, entry.path("state").asText(), entry.isMissingNode()
                    ? cid + " is not in the list: " + list : cid + "'s entry: " + entry);
        });
    }
}
