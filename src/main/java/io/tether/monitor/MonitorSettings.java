package io.tether.monitor;

import java.time.Duration;

/**
 * The monitor's tuning knobs (docs/monitoring.md).
 *
 * @param probeInterval    how often a connected connection is probed (VDSM's domain monitor: 10 s)
 * @param operationTimeout how long a probe, connect or disconnect may take before it counts as failed
 * @param retry            the backoff between attempts after failures: connects, and disconnects
 * @param operationThreads threads that run connector operations; a hung operation holds one
 * @param healthDelayThreshold a probe that takes longer makes the connection DEGRADED, reason SLOW
 */
public record MonitorSettings(Duration probeInterval, Duration operationTimeout, RetryPolicy retry, int operationThreads,
        Duration healthDelayThreshold) {

    /** The engine's usual limit for a storage domain's read delay. */
    public static final Duration DEFAULT_HEALTH_DELAY_THRESHOLD = Duration.ofSeconds(5);

    /** Settings with the default health delay threshold. */
    public MonitorSettings(Duration probeInterval, Duration operationTimeout, RetryPolicy retry, int operationThreads) {
        this(probeInterval, operationTimeout, retry, operationThreads, DEFAULT_HEALTH_DELAY_THRESHOLD);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), RetryPolicy.defaults(), 16);
    }

    public MonitorSettings withProbeInterval(Duration interval) {
        return new MonitorSettings(interval, operationTimeout, retry, operationThreads, healthDelayThreshold);
    }

    public MonitorSettings withOperationTimeout(Duration timeout) {
        return new MonitorSettings(probeInterval, timeout, retry, operationThreads, healthDelayThreshold);
    }

    public MonitorSettings withRetry(RetryPolicy policy) {
        return new MonitorSettings(probeInterval, operationTimeout, policy, operationThreads, healthDelayThreshold);
    }

    public MonitorSettings withHealthDelayThreshold(Duration threshold) {
        return new MonitorSettings(probeInterval, operationTimeout, retry, operationThreads, threshold);
    }
}
