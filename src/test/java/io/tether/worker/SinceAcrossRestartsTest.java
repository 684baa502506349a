package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.connection.LastError;
import io.tether.connection.Observation;
import io.tether.sealing.SealingKey;
import io.tether.uri.ConnectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection's {@code since} is when it entered its state, not when the worker last started.
 * Contract: a restarted worker lists a connection CONNECTING from its start until its first look;
 * a first look that finds it in the state the previous run recorded keeps that state's since (up
 * since, down since), however many restarts come between; a look that finds another state starts
 * it afresh; and a connection disconnected and managed again remembers nothing of before.
 */
class SinceAcrossRestartsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

    @TempDir
    static Path keyDir;
    static SealingKey sealingKey;
    @TempDir
    Path tmp;
    final MinuteClock clock = new MinuteClock();
    WorkerState worker;
    String uri;
    ConnectionKey key;

    @BeforeAll
    static void makeKey() throws Exception {
        sealingKey = SealingKey.open(keyDir.resolve("sealing-key.jwk"));
    }

    @BeforeEach
    void manage() throws Exception {
        uri = "file://" + Files.createDirectories(tmp.resolve("storage"));
        key = new ConnectionKey(uri);
        worker = new WorkerState(tmp, sealingKey);
        worker.clock = clock;
        worker.start();
        manageA();
    }

    private void manageA() throws Exception {
        assertEquals("a", worker.call("manageStorageServer",
                "{\"connectionId\":\"a\",\"uri\":\"" + uri + "\"}").at("/result/connectionId").asText());
    }

    @AfterEach
    void close() {
        worker.close();
    }

    @Test
    void upSinceSurvivesRestarts() throws Exception {
        observeAt(1, Observation.connected());
        restartAt(60);
        assertEquals("CONNECTING", entry().get("state").asText(), "not looked at yet");
        assertEquals(at(60), entry().get("since").asText());
        observeAt(61, Observation.connected());
        assertEquals("CONNECTED", entry().get("state").asText());
        assertEquals(at(1), entry().get("since").asText(), "up since before the restart");
        restartAt(120);
        observeAt(121, Observation.connected());
        assertEquals(at(1), entry().get("since").asText(), "and after a second restart");
    }

    @Test
    void downSinceSurvivesRestarts() throws Exception {
        observeAt(1, failed(1));
        restartAt(60);
        observeAt(61, failed(61));
        assertEquals("DISCONNECTED", entry().get("state").asText());
        assertEquals(at(1), entry().get("since").asText(), "down since before the restart");
        assertEquals(at(61), entry().at("/lastError/at").asText(), "the error is the one seen now");
    }

    @Test
    void anotherStateAfterTheRestartStartsAfresh() throws Exception {
        observeAt(1, Observation.connected());
        restartAt(60);
        observeAt(61, failed(61));
        assertEquals("DISCONNECTED", entry().get("state").asText());
        assertEquals(at(61), entry().get("since").asText());
        observeAt(62, Observation.connected());
        assertEquals(at(62), entry().get("since").asText(), "what was remembered served the first look only");
    }

    @Test
    void aConnectionDisconnectedAndManagedAgainRemembersNothing() throws Exception {
        observeAt(1, Observation.connected());
        worker.call("unmanageStorageServer", "{\"connectionId\":\"a\"}");
        observeAt(2, Observation.released());
        clock.minute = 3;
        manageA();
        restartAt(60);
        observeAt(61, Observation.connected());
        assertEquals(at(61), entry().get("since").asText());
    }

    private void restartAt(long minute) throws Exception {
        clock.minute = minute;
        worker.start();
    }

    private void observeAt(long minute, Observation observation) {
        clock.minute = minute;
        worker.service.observe(key, observation);
    }

    private JsonNode entry() throws Exception {
        return worker.list().get("a");
    }

    private static Observation failed(long minute) {
        return Observation.failed(new LastError(451, "StorageServerConnectionError", "gone", T0.plusSeconds(60 * minute)));
    }

    private static String at(long minute) {
        return T0.plusSeconds(60 * minute).toString();
    }

    /** A clock that stands at {@code minute} minutes after T0 until moved. */
    static final class MinuteClock extends Clock {
        volatile long minute;

        @Override
        public Instant instant() {
            return T0.plusSeconds(60 * minute);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
