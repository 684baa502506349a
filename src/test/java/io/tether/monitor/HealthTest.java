package io.tether.monitor;

import static io.tether.connection.HostConnection.Effect.HEALTH;
import static io.tether.connection.HostConnection.Effect.STATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Probe;
import io.tether.connector.VdsmError;
import io.tether.metrics.Meters;
import io.tether.retry.RetryPolicy;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the reconciler grades health (docs/monitoring.md, "Health") and which events that makes:
 * a connector whose probes take as long as the test says and show what it says, the connection
 * table in memory, and the schedule and clock of {@link ReconcilerTest} that only the test moves.
 * The reconciler times each probe with a ticker that the connector moves by the delay the test gives,
 * so a probe takes exactly as long as the test says, however busy the machine is.
 */
class HealthTest {
    private static final Duration PROBE = Duration.ofSeconds(1);
    private static final Duration THRESHOLD = Duration.ofMillis(150);
    private static final StorageUri A = uri("nfs://server-a/export");

    private final ReconcilerTest.ManualClock clock = new ReconcilerTest.ManualClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final ReconcilerTest.MemoryTable table = new ReconcilerTest.MemoryTable(clock);
    private final FactsConnector connector = new FactsConnector();
    private ReconcilerTest.ManualSchedule schedule;
    private Reconciler reconciler;

    private static StorageUri uri(String uri) {
        try {
            return UriParser.parse(uri);
        } catch (Exception e) {
            throw new IllegalArgumentException(uri, e);
        }
    }

    /**
     * A connector whose probe takes {@code delayMs} on the {@link #ticker} and shows {@code shows};
     * {@code failure} makes it fail.
     */
    static final class FactsConnector implements Connector {
        /** The reconciler's ticker: nanoseconds, moved only by probes. */
        final AtomicLong ticker = new AtomicLong();
        final AtomicLong delayMs = new AtomicLong();
        /** Probe delays from a seeded generator, 0 ms up to the threshold, instead of {@code delayMs}. */
        final AtomicBoolean jitter = new AtomicBoolean();
        private final Random jitters = new Random(7);
        final AtomicReference<Probe> shows = new AtomicReference<>(Probe.PLAIN);
        final AtomicReference<ConnectorException> failure = new AtomicReference<>();
        final Map<String, Integer> calls = new ConcurrentHashMap<>();

        @Override
        public Probe probe(StorageUri uri) throws ConnectorException {
            calls.merge("probe", 1, Integer::sum);
            long ms = jitter.get() ? jitters.nextInt((int) THRESHOLD.toMillis() + 1) : delayMs.get();
            ticker.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
            ConnectorException e = failure.get();
            if (e != null) {
                throw e;
            }
            return shows.get();
        }

        @Override
        public Probe establish(StorageUri uri) {
            calls.merge("establish", 1, Integer::sum);
            return Probe.PLAIN;
        }

        @Override
        public void disconnect(StorageUri uri) {
        }
    }

    private void startConnected() throws Exception {
        reconciler = new Reconciler(table, type -> connector, clock,
                new MonitorSettings(PROBE, Duration.ofSeconds(10), RetryPolicy.defaults(), 2).withHealthDelayThreshold(THRESHOLD),
                Meters.Monitor.NONE, fire -> schedule = new ReconcilerTest.ManualSchedule(clock, fire), () -> 0.5, connector.ticker::get);
        table.manage("a-1", A);
        reconciler.enqueue(A.key());
        assertEquals("requeue 1000 ms", schedule.next(A.key()));
        assertEquals(ConnectionState.CONNECTED, table.state(A));
    }

    /** One probe interval on: the next probe runs and its outcome is recorded. */
    private void probeOnce() {
        schedule.advance(PROBE);
        schedule.next(A.key());
    }

    @AfterEach
    void stop() {
        if (reconciler != null) {
            reconciler.close();
        }
    }

    @Test
    void aSlowProbeIsDegradedAndAFastOneOkAgainEachOneEvent() throws Exception {
        startConnected();
        assertEquals(List.of(STATE), table.events(A));
        Health first = table.health(A);
        assertEquals(Health.Status.OK, first.status());
        assertEquals(List.of(), first.reasons());
        assertEquals(0, first.delayMs(), "timed by the ticker, which the probe did not move");
        assertEquals(clock.instant(), first.checkedAt());

        connector.delayMs.set(400);
        probeOnce();
        Health slow = table.health(A);
        assertEquals(Health.Status.DEGRADED, slow.status());
        assertEquals(List.of(Health.Reason.SLOW), slow.reasons());
        assertEquals(400, slow.delayMs());
        assertEquals(List.of(STATE, HEALTH), table.events(A));

        probeOnce();
        assertEquals(List.of(STATE, HEALTH), table.events(A), "still slow: no new event");

        connector.delayMs.set(THRESHOLD.toMillis());
        probeOnce();
        assertEquals(Health.Status.OK, table.health(A).status(), "at the threshold is not over it");
        assertEquals(Health.Status.OK, table.health(A).status());
        assertEquals(List.of(STATE, HEALTH, HEALTH), table.events(A));
        assertEquals(ConnectionState.CONNECTED, table.state(A), "slow is degraded, never disconnected");
    }

    /**
     * Probe delays that jitter up to the threshold for a minute of probes make no event. The
     * schedule's clock and the ticker are the test's, so a minute of probes at a 1 s interval (60
     * probes, the same decisions as 6 at VDSM's 10 s) runs at once.
     */
    @Test
    void jitterUpToTheThresholdPublishesNothingOverAMinute() throws Exception {
        startConnected();
        connector.jitter.set(true);
        List<Long> delays = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            probeOnce();
            delays.add(table.health(A).delayMs());
        }
        assertEquals(List.of(STATE), table.events(A), "only the first CONNECTED; delays seen " + delays);
        assertTrue(delays.stream().distinct().count() > 1, "the delays did vary: " + delays);
        assertEquals(61, connector.calls.get("probe"));
    }

    @Test
    void readOnlyAndFailedPathsAreReasonsAndTheirChangeIsAnEvent() throws Exception {
        startConnected();
        connector.shows.set(new Probe(true, null, Map.of()));
        probeOnce();
        assertEquals(List.of(Health.Reason.READ_ONLY), table.health(A).reasons());
        connector.shows.set(new Probe(true, new Health.Paths(1, 1), Map.of()));
        probeOnce();
        assertEquals(List.of(Health.Reason.READ_ONLY, Health.Reason.PATHS_FAILED), table.health(A).reasons());
        assertEquals(new Health.Paths(1, 1), table.health(A).paths());
        connector.shows.set(new Probe(false, new Health.Paths(2, 0), Map.of()));
        probeOnce();
        assertEquals(Health.Status.OK, table.health(A).status());
        assertEquals(new Health.Paths(2, 0), table.health(A).paths());
        assertEquals(List.of(STATE, HEALTH, HEALTH, HEALTH), table.events(A));
    }

    /** A session iscsid recovers is DISCONNECTED with reason RECOVERING, and nobody connects meanwhile. */
    @Test
    void aRecoveringConnectionIsLeftAloneUntilItIsBack() throws Exception {
        startConnected();
        connector.failure.set(ConnectorException.recovering(VdsmError.StorageServerConnectionError, "iscsid recovers it"));
        schedule.advance(PROBE);
        assertEquals("requeue 1000 ms", schedule.next(A.key()), "looked at again after the interval, no backoff");
        assertEquals(ConnectionState.DISCONNECTED, table.state(A));
        assertEquals(List.of(Health.Reason.RECOVERING), table.health(A).reasons());
        probeOnce();
        assertEquals(0, connector.calls.getOrDefault("establish", 0), "no establish (logout and login) while recovering");
        assertEquals(List.of(STATE, STATE), table.events(A), "one event for the change, none for each probe");

        connector.failure.set(null);
        probeOnce();
        assertEquals(ConnectionState.CONNECTED, table.state(A));
        assertEquals(Health.Status.OK, table.health(A).status());
        assertEquals(0, connector.calls.getOrDefault("establish", 0));
    }

    @Test
    void aFailedConnectionIsDegradedNotConnectedAndAConnectLeavesTheDelayUnknown() throws Exception {
        startConnected();
        connector.failure.set(new ConnectorException(VdsmError.StorageServerConnectionError, "gone"));
        schedule.advance(PROBE);
        schedule.next(A.key());
        // The probe failed, the connect (which this connector lets succeed) brought it back.
        Health back = table.health(A);
        assertEquals(Health.Status.OK, back.status());
        assertNull(back.delayMs(), "no probe timed since the connect");
        assertNotNull(back.checkedAt());
        assertEquals(List.of(STATE, STATE, STATE), table.events(A), "down then up: the health rides on those");
        assertEquals(List.of(Health.Reason.NOT_CONNECTED),
                table.observed(A).get(1).health().reasons(), "the DISCONNECTED observation says NOT_CONNECTED");
        assertEquals(StorageType.NFS, A.type());
    }
}
