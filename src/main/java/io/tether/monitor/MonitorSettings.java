package io.tether.monitor;

import java.time.Duration;

/**
 * The monitor's tuning knobs (docs/monitoring.md).
 *
 * @param probeInterval    how often a connected connection is probed (VDSM's domain monitor: 10 s)
 * @param operationTimeout how long a probe, connect or disconnect may take before it counts as failed
 * @param retry            the backoff between attempts after failures: connects, and disconnects
 * @param operationThreads threads that run connector operations; a hung operation holds one
 */
public record MonitorSettings(Duration probeInterval, Duration operationTimeout, RetryPolicy retry, int operationThreads) {

    public static MonitorSettings defaults() {
        return new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), RetryPolicy.defaults(), 16);
    }

    public MonitorSettings withProbeInterval(Duration interval) {
        return new MonitorSettings(interval, operationTimeout, retry, operationThreads);
    }

    public MonitorSettings withOperationTimeout(Duration timeout) {
        return new MonitorSettings(probeInterval, timeout, retry, operationThreads);
    }

    public MonitorSettings withRetry(RetryPolicy policy) {
        return new MonitorSettings(probeInterval, operationTimeout, policy, operationThreads);
    }
}
