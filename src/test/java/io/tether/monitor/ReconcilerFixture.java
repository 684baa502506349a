package io.tether.monitor;

import static org.awaitility.Awaitility.await;

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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;

/**
 * What the reconciler's rule tests share: the reconciler on {@link ReconcilerTest}'s manual clock,
 * manual schedule, in-memory table and scripted connector (serving every storage type), with
 * scripted backoff jitter; the settings they use; and waiting for what its threads do, never for time.
 */
abstract class ReconcilerFixture {
    static final Duration PROBE = Duration.ofSeconds(10);
    static final RetryPolicy RETRY = new RetryPolicy(ms(100), ms(800), 2.0, 0.2);
    static final MonitorSettings SETTINGS = new MonitorSettings(PROBE, Duration.ofSeconds(10), RETRY, 4);
    /** The plan after a reconcile that found the connection working. */
    static final String HEALTHY = "requeue 10000 ms";

    static final StorageUri A = uri("nfs://server-a/export");
    static final StorageUri B = uri("nfs://server-b/export");
    static final StorageUri C = uri("nfs://server-c/export");

    final ReconcilerTest.ManualClock clock = new ReconcilerTest.ManualClock(Instant.parse("2024-05-01T10:00:00Z"));
    final ReconcilerTest.MemoryTable table = new ReconcilerTest.MemoryTable(clock);
    final ReconcilerTest.ScriptedConnector connector = new ReconcilerTest.ScriptedConnector();
    final Map<StorageType, Connector> served = new ConcurrentHashMap<>();
    final ReconcilerTest.ScriptedRandom random = new ReconcilerTest.ScriptedRandom();
    ReconcilerTest.ManualSchedule schedule;
    Reconciler reconciler;

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    static StorageUri uri(String uri) {
        try {
            return UriParser.parse(uri);
        } catch (Exception e) {
            throw new IllegalArgumentException(uri, e);
        }
    }

    /** Starts the reconciler with {@code settings}; the scripted connector serves every type. */
    void start(MonitorSettings settings) throws Exception {
        for (StorageType type : StorageType.values()) {
            served.put(type, connector);
        }
        reconciler = new Reconciler(table, served::get, clock, settings, Meters.Monitor.NONE,
                fire -> schedule = new ReconcilerTest.ManualSchedule(clock, fire), random, System::nanoTime);
    }

    /** Reconciles {@code uri}'s key and returns what the reconciler planned next for it. */
    String reconcile(StorageUri uri) {
        reconciler.enqueue(uri.key());
        return schedule.next(uri.key());
    }

    @AfterEach
    void stop() {
        connector.releaseHangs();
        if (reconciler != null) {
            reconciler.close();
        }
    }

    /** A scripted call that fails with {@code error}. */
    static ReconcilerTest.ScriptedConnector.Outcome fails(VdsmError error, String message) {
        return unscripted -> {
            throw new ConnectorException(error, message);
        };
    }

    /** Waits for a condition the reconciler's threads bring about, checking it every few milliseconds. */
    static ConditionFactory soon() {
        return await().pollDelay(Duration.ZERO).pollInterval(ms(2)).atMost(Duration.ofSeconds(10));
    }
}
