package io.tether.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.ConnectionState;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import io.tether.metrics.Meters;
import io.tether.retry.RetryPolicy;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A storage server that 500 hosts use goes down for all of them at the same moment: with the
 * default reconnect spread, no second holds more than a fifth of their first retries; without it,
 * they all retry in the same second. Each key stands for one host's connection to the server (its
 * reconcile decisions are its own); the randomness is seeded, so the figures are the same every run.
 */
class ReconnectSpreadTest {
    private static final int HOSTS = 500;
    private static final Duration PROBE = Duration.ofSeconds(10);

    private final ReconcilerTest.ManualClock clock = new ReconcilerTest.ManualClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final ReconcilerTest.MemoryTable table = new ReconcilerTest.MemoryTable(clock);
    private final ReconcilerTest.ScriptedConnector connector = new ReconcilerTest.ScriptedConnector();
    private ReconcilerTest.ManualSchedule schedule;
    private Reconciler reconciler;

    @AfterEach
    void stop() {
        if (reconciler != null) {
            reconciler.close();
        }
    }

    @Test
    void theDefaultSpreadKeepsEverySecondUnderAFifthOfTheFleet() throws Exception {
        List<Long> delays = firstRetries(MonitorSettings.defaults());
        int peak = busiestSecond(delays);
        assertTrue(peak <= HOSTS / 5, "the busiest second holds " + peak + " of " + HOSTS + " first retries");
        assertTrue(delays.stream().allMatch(d -> d >= 0 && d < 10_000), "all within the 10 s spread");
    }

    @Test
    void withoutTheSpreadTheWholeFleetRetriesInOneSecond() throws Exception {
        List<Long> delays = firstRetries(MonitorSettings.defaults().withReconnectSpread(Duration.ZERO));
        // The first backoff step, 1 s ± 20%: the ±20% jitter alone cannot spread it.
        assertEquals(HOSTS, busiestSecond(delays));
    }

    @Test
    void theSpreadIsNeverLongerThanTheLongestBackoff() {
        MonitorSettings settings = MonitorSettings.defaults().withRetry(new RetryPolicy(Duration.ofMillis(100),
                Duration.ofMillis(800), 2.0, 0.2));
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            Duration first = settings.firstRetryAfterOutage(random::nextDouble);
            assertTrue(!first.isNegative() && first.compareTo(Duration.ofMillis(800)) < 0, first.toString());
        }
    }

    /**
     * Connects HOSTS connections, then fails every probe and connect (the server is down) and lets
     * the next probe of each find it: returns the delay of each one's first retry, in milliseconds.
     */
    private List<Long> firstRetries(MonitorSettings settings) throws Exception {
        Map<StorageType, Connector> served = new ConcurrentHashMap<>();
        for (StorageType type : StorageType.values()) {
            served.put(type, connector);
        }
        Random seeded = new Random(19);
        reconciler = new Reconciler(table, served::get, clock, settings, Meters.Monitor.NONE,
                fire -> schedule = new ReconcilerTest.ManualSchedule(clock, fire), seeded::nextDouble, System::nanoTime);
        List<StorageUri> uris = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            StorageUri uri = UriParser.parse("nfs://server/export-" + i);
            uris.add(uri);
            table.manage("cid-" + i, uri);
            reconciler.enqueue(uri.key());
        }
        for (StorageUri uri : uris) {
            assertEquals("requeue " + PROBE.toMillis() + " ms", schedule.next(uri.key()));
            assertEquals(ConnectionState.CONNECTED, table.state(uri));
        }
        ReconcilerTest.ScriptedConnector.Outcome down = unscripted -> {
            throw new ConnectorException(VdsmError.StorageServerConnectionError, "server not responding");
        };
        for (StorageUri uri : uris) {
            connector.script("probe", uri, down);
            connector.script("establish", uri, down);
        }
        // Every probe is due at the same moment: all hosts see the outage together.
        schedule.advance(PROBE);
        List<Long> delays = new ArrayList<>();
        for (StorageUri uri : uris) {
            String plan = schedule.next(uri.key());
            assertTrue(plan.startsWith("requeue "), plan);
            long millis = Long.parseLong(plan.substring("requeue ".length(), plan.length() - " ms".length()));
            delays.add(millis);
            assertEquals(ConnectionState.DISCONNECTED, table.state(uri), uri.key().toString());
        }
        return delays;
    }

    /** The most retries in any one second (a sliding window, not calendar seconds). */
    static int busiestSecond(List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        int most = 0;
        for (int first = 0, last = 0; first < sorted.size(); first++) {
            while (last < sorted.size() && sorted.get(last) < sorted.get(first) + 1000) {
                last++;
            }
            most = Math.max(most, last - first);
        }
        return most;
    }
}
