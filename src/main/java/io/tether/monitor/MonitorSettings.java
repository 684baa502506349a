package io.tether.monitor;

import io.tether.retry.RetryPolicy;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The monitor's tuning knobs (docs/monitoring.md).
 *
 * @param probeInterval    how often a connected connection is probed (VDSM's domain monitor: 10 s)
 * @param operationTimeout how long a probe, connect or disconnect may take before it counts as failed
 * @param retry            the backoff between attempts after failures: connects, and disconnects
 * @param operationThreads threads that run connector operations (a hung operation holds one), and
 *                         as many reconcile threads, each waiting for one operation at a time
 * @param healthDelayThreshold a probe that takes longer makes the connection DEGRADED, reason SLOW
 * @param reconnectSpread  after a connection that was up fails (an outage: its probe failed or hung,
 *                         and the reconnect at once failed too), the first retry waits a random time
 *                         from 0 to this, never more than {@code retry.max()}, instead of the
 *                         backoff's first step: hosts that lose one storage server together then
 *                         neither retry nor come back together. Zero: the backoff's first step.
 */
public record MonitorSettings(Duration probeInterval, Duration operationTimeout, RetryPolicy retry, int operationThreads,
        Duration healthDelayThreshold, Duration reconnectSpread) {

    /** The engine's usual limit for a storage domain's read delay. */
    public static final Duration DEFAULT_HEALTH_DELAY_THRESHOLD = Duration.ofSeconds(5);

    /** The default {@link #reconnectSpread}: one default probe interval. */
    public static final Duration DEFAULT_RECONNECT_SPREAD = Duration.ofSeconds(10);

    public MonitorSettings {
        if (reconnectSpread.isNegative()) {
            throw new IllegalArgumentException("reconnect spread must not be negative, got " + reconnectSpread);
        }
    }

    /**
     * Settings with the default health delay threshold and without a reconnect spread: the first
     * retry after an outage is the backoff's first step.
     */
    public MonitorSettings(Duration probeInterval, Duration operationTimeout, RetryPolicy retry, int operationThreads) {
        this(probeInterval, operationTimeout, retry, operationThreads, DEFAULT_HEALTH_DELAY_THRESHOLD, Duration.ZERO);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), RetryPolicy.defaults(), 16,
                DEFAULT_HEALTH_DELAY_THRESHOLD, DEFAULT_RECONNECT_SPREAD);
    }

    public MonitorSettings withProbeInterval(Duration interval) {
        return new MonitorSettings(interval, operationTimeout, retry, operationThreads, healthDelayThreshold, reconnectSpread);
    }

    public MonitorSettings withOperationTimeout(Duration timeout) {
        return new MonitorSettings(probeInterval, timeout, retry, operationThreads, healthDelayThreshold, reconnectSpread);
    }

    public MonitorSettings withRetry(RetryPolicy policy) {
        return new MonitorSettings(probeInterval, operationTimeout, policy, operationThreads, healthDelayThreshold, reconnectSpread);
    }

    public MonitorSettings withReconnectSpread(Duration spread) {
        return new MonitorSettings(probeInterval, operationTimeout, retry, operationThreads, healthDelayThreshold, spread);
    }

    public MonitorSettings withHealthDelayThreshold(Duration threshold) {
        return new MonitorSettings(probeInterval, operationTimeout, retry, operationThreads, threshold, reconnectSpread);
    }

    /**
     * The delay before the first retry after an outage: uniform in [0, spread) with spread the
     * shorter of {@link #reconnectSpread} and {@code retry.max()}; the backoff's first step if that is zero.
     *
     * @param random a number in [0, 1)
     */
    public Duration firstRetryAfterOutage(DoubleSupplier random) {
        long spread = Math.min(reconnectSpread.toMillis(), retry.max().toMillis());
        if (spread <= 0) {
            return retry.delay(1, random);
        }
        double r = random.getAsDouble();
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException("random must be in [0, 1), got " + r);
        }
        return Duration.ofMillis((long) (spread * r));
    }
}
