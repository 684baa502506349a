package io.tether.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.retry.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The monitor's knobs: each {@code with...} changes its own knob and keeps the others, and the
 * first retry after an outage is placed in [0, spread) by a number in [0, 1), refusing any other.
 */
class MonitorSettingsTest {
    private static final RetryPolicy RETRY = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.2);
    private static final MonitorSettings SETTINGS = new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), RETRY, 4,
            Duration.ofSeconds(3), Duration.ofSeconds(2));

    @Test
    void eachWithChangesItsOwnKnobOnly() {
        RetryPolicy other = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 3.0, 0.1);
        assertEquals(new MonitorSettings(Duration.ofSeconds(7), Duration.ofSeconds(5), RETRY, 4, Duration.ofSeconds(3),
                Duration.ofSeconds(2)), SETTINGS.withProbeInterval(Duration.ofSeconds(7)));
        assertEquals(new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(7), RETRY, 4, Duration.ofSeconds(3),
                Duration.ofSeconds(2)), SETTINGS.withOperationTimeout(Duration.ofSeconds(7)));
        assertEquals(new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), other, 4, Duration.ofSeconds(3),
                Duration.ofSeconds(2)), SETTINGS.withRetry(other));
        assertEquals(new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), RETRY, 4, Duration.ofSeconds(7),
                Duration.ofSeconds(2)), SETTINGS.withHealthDelayThreshold(Duration.ofSeconds(7)));
        assertEquals(new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), RETRY, 4, Duration.ofSeconds(3),
                Duration.ofSeconds(7)), SETTINGS.withReconnectSpread(Duration.ofSeconds(7)));
    }

    @Test
    void aNegativeSpreadIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SETTINGS.withReconnectSpread(Duration.ofMillis(-1)));
    }

    /** The spread is the shorter of reconnectSpread and the longest backoff: here 800 ms. */
    @Test
    void theFirstRetryAfterAnOutageTakesItsPlaceFromTheRandomNumber() {
        MonitorSettings settings = SETTINGS.withReconnectSpread(Duration.ofSeconds(10));
        assertEquals(Duration.ZERO, settings.firstRetryAfterOutage(() -> 0.0));
        assertEquals(Duration.ofMillis(400), settings.firstRetryAfterOutage(() -> 0.5));
        assertEquals(Duration.ofMillis(799), settings.firstRetryAfterOutage(() -> Math.nextDown(1.0)));
    }

    @Test
    void aRandomNumberOutsideZeroToOneIsRefused() {
        for (double r : new double[] {1.0, -0.1, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> SETTINGS.firstRetryAfterOutage(() -> r), Double.toString(r));
        }
    }

    @Test
    void withoutASpreadTheFirstRetryIsTheBackoffsFirstStep() {
        MonitorSettings settings = SETTINGS.withReconnectSpread(Duration.ZERO);
        assertEquals(Duration.ofMillis(80), settings.firstRetryAfterOutage(() -> 0.0));
        assertEquals(Duration.ofMillis(100), settings.firstRetryAfterOutage(() -> 0.5));
    }
}
